// Connections held per remote address, so one host cannot take every socket the process has.

export class ConnectionCounter {
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Count a new connection of `address`; false (nothing counted) when it already holds the maximum. */
  acquire(address: string): boolean {
    const n = this.byAddress.get(address) ?? 0;
    if (n >= this.maxPerAddress) return false;
    this.byAddress.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = (this.byAddress.get(address) ?? 0) - 1;
    if (n <= 0) this.byAddress.delete(address);
    else this.byAddress.set(address, n);
  }

  get addresses(): number {
    return this.byAddress.size;
  }
}
