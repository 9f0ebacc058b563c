// Token bucket for frames per connection: `rate` tokens per second, holding at most `burst`; a frame takes one.

export class RateLimiter {
  private tokens: number;
  private last: number;

  /**
   * @example
   *   const limit = new RateLimiter({ rate: 200, burst: 200 });
   *   if (!limit.take()) reject('rate_limited');
   * @param options.now clock in ms, default performance.now
   */
  constructor(private readonly o: { rate: number; burst: number; now?: () => number }) {
    this.tokens = o.burst;
    this.last = this.now();
  }

  private now(): number {
    return this.o.now ? this.o.now() : performance.now();
  }

  /** Take one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((t - this.last) / 1000) * this.o.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
