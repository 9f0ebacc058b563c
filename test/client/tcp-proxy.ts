// A TCP proxy between the SDK and a real server, to fail the network on purpose: swallow the server's
// replies (acks lost after commit) and cut every connection, as a dropped link would.
import { createServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  url: string;
  /** While true, bytes from the server are dropped (the client never sees acks). */
  swallowReplies: boolean;
  /** Destroy every proxied connection, both sides. */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const proxy: TcpProxy = {
    url: '',
    swallowReplies: false,
    cutAll() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    async close() {
      proxy.cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((downstream) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    downstream.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!proxy.swallowReplies) downstream.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
