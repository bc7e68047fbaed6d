// The Node server on `ws`: serves `get`, pushes `invalidate` for subscribed (and authorised)
// topics, sends a `beacon` every beaconMs (also the heartbeat), and keeps memory bounded. This
// factory only wires the parts; each concept has its own file:
//   server-options.ts  every option and default      connection.ts      one socket, send, heartbeat
//   authentication.ts  first message → hello         message-intake.ts  size, rate, parse, queue
//   requests.ts        subscribe / get / mutate       topic-registry.ts  listeners, fan-out, cache
//   beacon.ts          the periodic beacon round      http-upgrade.ts    path, Origin, refusals
//   limits.ts          rate and size checks           server-metrics.ts  what getMetrics() counts
//   server-writes.ts   mutators: apply, ack, refuse
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { type WebSocket, WebSocketServer } from 'ws';
import { createAuthentication } from './authentication';
import { createBeacon } from './beacon';
import { type Connection, clip, createConnectionFactory, type SyncConnection } from './connection';
import { StateSyncWebSocketError } from './errors';
import { createUpgradeHandler } from './http-upgrade';
import { createMessageIntake } from './message-intake';
import { createRequests } from './requests';
import { createServerContext } from './server-context';
import type { ServerMetrics } from './server-metrics';
import { CLOSE_CODES, resolveServerOptions, type SyncServerOptions } from './server-options';
import { createServerWrites } from './server-writes';
import { createTopicRegistry } from './topic-registry';

export interface SyncServer<P = unknown> {
  /** The port we listen on (listen mode only). */
  readonly port: number | undefined;
  /** `ws://host:port` (listen mode only). */
  readonly url: string | undefined;
  connections(): SyncConnection<P>[];
  /** Topics with a source listener attached right now. */
  watchedTopics(): string[];
  getMetrics(): ServerMetrics;
  /** Closes every socket with 1001 and `reason`, releases every timer and listener. */
  close(reason?: string): Promise<void>;
}

export async function createSyncServer<P = unknown>(
  options: SyncServerOptions<P>,
): Promise<SyncServer<P>> {
  const context = createServerContext(resolveServerOptions(options));
  const { metrics } = context;
  const { maxMessageBytes, beaconMs } = context.options;

  const own = options.server === undefined;
  const http: HttpServer | HttpsServer =
    options.server ??
    createServer((_request, response) => {
      response
        .writeHead(426, { 'content-type': 'text/plain' })
        .end('426 Upgrade Required: this is a state-sync WebSocket endpoint\n');
    });
  // Above maxMessageBytes we still read the frame to answer with an error; past this hard cap ws
  // closes the connection with 1009 instead, so one frame never costs more than this.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(1024 * 1024, 4 * maxMessageBytes),
    perMessageDeflate: false,
  });

  const conns = new Set<Connection<P>>();
  const openConnection = createConnectionFactory(context);
  const registry = createTopicRegistry(context);
  const authentication = createAuthentication(context);
  const { mutators } = context.options;
  const writes = mutators && createServerWrites(context, context.options.source, mutators);
  await writes?.check();
  const requests = createRequests(context, registry, authentication, writes);
  const intake = createMessageIntake(context, requests);
  const beacon = createBeacon(context, registry, () => conns);
  let closing = false;

  function cleanup(conn: Connection<P>): void {
    if (!conns.delete(conn)) return;
    conn.closed = true;
    metrics.connections = conns.size;
    conn.release();
    for (const topic of conn.topics) registry.unwatch(topic, conn);
    conn.topics.clear();
  }

  function accept(ws: WebSocket, request: IncomingMessage): void {
    if (conns.size >= context.options.maxConnections) {
      // Closed with a code and reason (not an HTTP refusal) so a browser client can see why.
      metrics.connectionsRefused++;
      context.report(
        new StateSyncWebSocketError(
          'too_many_connections',
          `refused a connection: the server is at maxConnections (${context.options.maxConnections})`,
        ),
      );
      ws.on('error', () => {});
      ws.close(CLOSE_CODES.tooManyConnections, 'server is at maxConnections: try again later');
      return;
    }
    const conn = openConnection(ws, request);
    conns.add(conn);
    metrics.accepted++;
    metrics.connections = conns.size;
    ws.on('message', (data, isBinary) => intake(conn, data, isBinary));
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('close', () => cleanup(conn));
    ws.on('error', (cause) => {
      context.report(new StateSyncWebSocketError('bad_request', 'socket error', { cause }));
    });
    authentication.begin(conn);
  }

  const onUpgrade = createUpgradeHandler({
    context,
    wss,
    own,
    isClosing: () => closing,
    accept,
  });
  http.on('upgrade', onUpgrade);
  const timer = globalThis.setInterval(() => {
    if (!closing) void beacon.tick();
  }, beaconMs);
  (timer as { unref?: () => void }).unref?.();

  if (own) {
    try {
      await new Promise<void>((resolve, rejectListen) => {
        http.once('error', rejectListen);
        http.listen(options.port ?? 0, options.host, () => {
          http.off('error', rejectListen);
          resolve();
        });
      });
    } catch (error) {
      globalThis.clearInterval(timer);
      http.off('upgrade', onUpgrade);
      throw error;
    }
  }
  const address = own ? http.address() : null;
  const port = typeof address === 'object' && address ? address.port : undefined;
  const host = options.host ?? '127.0.0.1';

  async function closeSockets(reason: string): Promise<void> {
    const sockets = [...conns].map((conn) => conn.ws);
    await new Promise<void>((resolve) => {
      let open = sockets.filter((ws) => ws.readyState !== 3).length;
      if (open === 0) return resolve();
      // Sockets that do not finish the close handshake in time are destroyed.
      const force = globalThis.setTimeout(() => {
        for (const ws of sockets) ws.terminate();
      }, 2000);
      for (const ws of sockets) {
        if (ws.readyState === 3) continue;
        ws.once('close', () => {
          if (--open === 0) {
            globalThis.clearTimeout(force);
            resolve();
          }
        });
        ws.close(CLOSE_CODES.goingAway, clip(reason));
      }
    });
  }

  return {
    port,
    url: port === undefined ? undefined : `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: () => [...conns].map((conn) => conn.view()),
    watchedTopics: () => registry.topics(),
    getMetrics: () => ({ ...metrics, connections: conns.size }),
    async close(reason = 'server shutting down') {
      if (closing) return;
      closing = true;
      globalThis.clearInterval(timer);
      http.off('upgrade', onUpgrade);
      await closeSockets(reason);
      for (const conn of [...conns]) cleanup(conn);
      registry.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (own) {
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          (http as HttpServer).closeAllConnections?.();
        });
      }
    },
  };
}
