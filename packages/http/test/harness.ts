// Real sockets on 127.0.0.1: the Fetch handler behind `toNodeListener` on node:http, and clients
// on Node's own fetch.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSource, type Source } from '@state-sync/core';
import {
  createHttpSyncClient,
  type HttpSyncClient,
  type HttpSyncClientOptions,
} from '../src/index';
import {
  createHttpSyncHandler,
  type HttpSyncHandler,
  type HttpSyncHandlerOptions,
  toNodeListener,
} from '../src/server';

export const HOST = '127.0.0.1';

export interface Stack {
  readonly source: Source;
  readonly handler: HttpSyncHandler;
  /** `http://127.0.0.1:port/sync` */
  readonly url: string;
  readonly port: number;
  client(options?: Partial<HttpSyncClientOptions>): HttpSyncClient;
  /** Closes the server (clients see a drop) and opens a new one on the same port. */
  restart(next?: {
    source?: Source;
    options?: Partial<HttpSyncHandlerOptions>;
    /** Runs while no server listens (clients are offline). */
    whileDown?: () => Promise<void>;
  }): Promise<void>;
  close(): Promise<void>;
}

export async function listen(
  listener: Parameters<typeof createServer>[1],
  port = 0,
): Promise<Server> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve());
  });
  return server;
}

export async function shut(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function openStack(options: Partial<HttpSyncHandlerOptions> = {}): Promise<Stack> {
  let source = options.source ?? createSource();
  let handlerOptions = options;
  let handler = createHttpSyncHandler({ basePath: '/sync', ...handlerOptions, source });
  let server = await listen(toNodeListener(handler));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}/sync`;
  const clients = new Set<HttpSyncClient>();
  const sources = new Set<Source>([source]);
  const stack: Stack = {
    get source() {
      return source;
    },
    get handler() {
      return handler;
    },
    url,
    port,
    client(clientOptions = {}) {
      const client = createHttpSyncClient({
        url,
        browserEvents: false,
        reconnect: { baseDelayMs: 10, maxDelayMs: 100 },
        ...clientOptions,
      });
      clients.add(client);
      return client;
    },
    async restart(next = {}) {
      await handler.close();
      await shut(server);
      await next.whileDown?.();
      if (next.source) {
        source = next.source;
        sources.add(source);
      }
      if (next.options) handlerOptions = { ...handlerOptions, ...next.options };
      handler = createHttpSyncHandler({ basePath: '/sync', ...handlerOptions, source });
      server = await listen(toNodeListener(handler), port);
    },
    async close() {
      await Promise.all([...clients].map((client) => client.close()));
      await handler.close();
      await shut(server);
      for (const s of sources) await s.close();
    },
  };
  return stack;
}
