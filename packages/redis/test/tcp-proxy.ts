// A TCP proxy in front of Redis that can hold new connections: the test's way to keep a node's
// reconnect from succeeding (node-redis reconnects at once after a drop) until it says so.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly url: string;
  /** New connections wait (unanswered) until `release()`. */
  hold(): void;
  release(): void;
  /** Cuts every open connection, as a network failure between the node and Redis would. */
  drop(): void;
  /** Open connections stop carrying bytes (Redis hangs, the socket stays up) until `resume()`. */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function openTcpProxy(target: URL): Promise<TcpProxy> {
  let held = false;
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const pipe = (client: Socket) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
    sockets.add(upstream);
    upstreams.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (held) waiting.push(client);
    else pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    hold: () => {
      held = true;
    },
    release() {
      held = false;
      for (const client of waiting.splice(0)) if (!client.destroyed) pipe(client);
    },
    drop() {
      for (const socket of sockets) socket.destroy();
    },
    stall() {
      // Paused upstream sockets deliver nothing back: requests go out, no answer comes.
      for (const upstream of upstreams) upstream.pause();
    },
    resume() {
      for (const upstream of upstreams) upstream.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
