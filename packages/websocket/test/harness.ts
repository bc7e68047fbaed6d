// Real sockets on 127.0.0.1: a sync server over a memory source, and clients on `ws`.
import { createSource, type Source } from '@state-sync/core';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient, type SyncClientOptions } from '../src/index';
import { createSyncServer, type SyncServer, type SyncServerOptions } from '../src/server';

export const HOST = '127.0.0.1';

export interface Stack {
  readonly source: Source;
  readonly server: SyncServer;
  readonly url: string;
  client(options?: Partial<SyncClientOptions>): SyncClient;
  /** Closes the server (clients see a drop) and opens a new one on the same port. */
  restart(next?: { source?: Source; options?: Partial<SyncServerOptions> }): Promise<void>;
  /** Closes the server only; `start()` opens it again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function openStack(serverOptions: Partial<SyncServerOptions> = {}): Promise<Stack> {
  let source = serverOptions.source ?? createSource();
  let options = serverOptions;
  let server: SyncServer | undefined = await createSyncServer({
    rateLimit: false,
    ...options,
    source,
    port: 0,
    host: HOST,
  });
  const port = server.port!;
  const url = `ws://${HOST}:${port}`;
  const clients = new Set<SyncClient>();
  const sources = new Set<Source>([source]);
  const stack: Stack = {
    get source() {
      return source;
    },
    get server() {
      if (!server) throw new Error('the server is stopped');
      return server;
    },
    url,
    client(clientOptions = {}) {
      const client = createSyncClient({
        url,
        WebSocket,
        browserEvents: false,
        reconnect: { baseDelayMs: 10, maxDelayMs: 100 },
        ...clientOptions,
      });
      clients.add(client);
      return client;
    },
    async stop() {
      await server?.close('restart');
      server = undefined;
    },
    async start() {
      server = await createSyncServer({ rateLimit: false, ...options, source, port, host: HOST });
    },
    async restart(next = {}) {
      await stack.stop();
      if (next.source) {
        source = next.source;
        sources.add(source);
      }
      if (next.options) options = { ...options, ...next.options };
      await stack.start();
    },
    async close() {
      await Promise.all([...clients].map((client) => client.close()));
      await server?.close();
      for (const s of sources) await s.close();
    },
  };
  return stack;
}
