// The Node server on `ws`: serves `get`, pushes `invalidate` for subscribed (and authorised)
// topics, sends a `beacon` every beaconMs (also the heartbeat), and keeps memory bounded
// (message size, rate, send buffer). One source listener per watched topic, not per socket.
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { isRevision, type Source } from '@state-sync/core';
import { type WebSocket, WebSocketServer } from 'ws';
import { StateSyncWebSocketError, type StateSyncWebSocketErrorCode } from './errors';
import {
  type AuthMessage,
  type ClientMessage,
  clientMessageSchemas,
  type FrameProblem,
  PROTOCOL_VERSION,
  parseFrame,
} from './protocol';

export interface MutateContext<P> {
  principal: P;
  topic: string;
  /** Untrusted: validate it (e.g. with zod) and throw a StateSyncWebSocketError to refuse it. */
  op: unknown;
  baseRevision: string | undefined;
  source: Source;
}

export interface RateLimitOptions {
  /** Messages a connection may send at once. Default 200. */
  burst?: number;
  /** Sustained messages per second. Default 100. */
  perSecond?: number;
}

export interface SyncServerOptions<P = unknown> {
  source: Source;
  /** Attach to this server's `upgrade` event (you listen and close it)… */
  server?: HttpServer | HttpsServer;
  /** …or listen on this port (0: any free port) with a server of our own. */
  port?: number;
  host?: string;
  /** Only upgrade requests to this path. Default: every path. */
  path?: string;
  /**
   * Called with the upgrade request and the client's first message (its `auth`, if it sent one).
   * Return the principal, or throw (a StateSyncWebSocketError may set `closeCode`) to reject:
   * the socket is closed with 4401 (or that code) and the reason. Without it, every connection is
   * accepted with an undefined principal.
   */
  authenticate?: (
    request: IncomingMessage,
    firstMessage: AuthMessage | undefined,
  ) => P | Promise<P>;
  /** Per topic and per request; false (or a throw) answers `forbidden`. Default: allow all. */
  authorize?: (principal: P, topic: string) => boolean | Promise<boolean>;
  /** Allowed `Origin` headers, or a predicate. Default: any (set it for browser-facing servers). */
  allowedOrigins?: readonly string[] | ((origin: string | undefined) => boolean);
  /** Applies a client's `mutate`; resolve to the new envelope/revision for the `ack`. */
  onMutate?: (context: MutateContext<P>) => unknown | Promise<unknown>;
  /** Beacon period, also the heartbeat announced in `hello`. Default 30 000 ms. */
  beaconMs?: number;
  /** Inbound messages above this get an `error` (`too_large`). Default 64 KiB. */
  maxMessageBytes?: number;
  /** Per-connection token bucket; false disables it. */
  rateLimit?: RateLimitOptions | false;
  /** A connection whose unsent data passes this is dropped (a slow consumer). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Time allowed for the first message when `authenticate` is set. Default 10 000 ms. */
  authTimeoutMs?: number;
  onError?: (error: StateSyncWebSocketError) => void;
}

export interface SyncConnection<P = unknown> {
  readonly principal: P | undefined;
  readonly authenticated: boolean;
  readonly topics: ReadonlySet<string>;
  bufferedAmount(): number;
  /** Sends a frame as is: for tests and diagnostics. */
  sendRaw(frame: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

export interface ServerMetrics {
  connections: number;
  accepted: number;
  rejected: number;
  badMessages: number;
  tooLarge: number;
  rateLimited: number;
  slowConsumersDropped: number;
  invalidationsSent: number;
  snapshotsSent: number;
  beaconsSent: number;
}

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

type Conn<P> = {
  ws: WebSocket;
  request: IncomingMessage;
  principal: P | undefined;
  authed: boolean;
  closed: boolean;
  alive: boolean;
  topics: Set<string>;
  chain: Promise<void>;
  tokens: number;
  refilledAt: number;
  rateErrorAt: number;
  authTimer: ReturnType<typeof setTimeout> | undefined;
};

const OPEN = 1;

function clip(reason: string): string {
  // A close reason is at most 123 bytes on the wire.
  const bytes = new TextEncoder().encode(reason);
  return bytes.length <= 123
    ? reason
    : new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, '');
}

/**
 * The wire code and request id for a refused frame: a topic that breaks the topic rule is
 * `invalid_topic`, anything else `bad_request`; a request refused for its content still gets its
 * id back, so its sender fails it at once instead of waiting for a timeout.
 */
function describeRefusal(problem: FrameProblem): {
  code: 'bad_request' | 'invalid_topic';
  id: string | undefined;
} {
  const requestId = (problem.value as { id?: unknown } | undefined)?.id;
  const id =
    typeof requestId === 'string' && requestId.length >= 1 && requestId.length <= 64
      ? requestId
      : undefined;
  const path = problem.issue?.path ?? [];
  // Only our rule's own issues (`custom`): a missing or non-string topic is a plain bad_request.
  const topicRule =
    problem.issue?.code === 'custom' &&
    (path[0] === 'topic' || (path[0] === 'topics' && path.length === 2));
  return { code: topicRule ? 'invalid_topic' : 'bad_request', id };
}

function rawMessage(error: StateSyncWebSocketError): string {
  return error.message.replace(/^\[state-sync\/websocket\] /, '');
}

export async function createSyncServer<P = unknown>(
  options: SyncServerOptions<P>,
): Promise<SyncServer<P>> {
  const {
    source,
    beaconMs = 30_000,
    maxMessageBytes = 64 * 1024,
    maxBufferedBytes = 1024 * 1024,
    authTimeoutMs = 10_000,
    authenticate,
    authorize,
    onMutate,
  } = options;
  if (typeof source?.topic !== 'function') {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'options.source must be a Source from createSource()',
    );
  }
  if (
    !(beaconMs > 0 && beaconMs <= 2_147_483_647) ||
    !(maxMessageBytes > 0) ||
    !(maxBufferedBytes > 0)
  ) {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'beaconMs, maxMessageBytes and maxBufferedBytes must be positive numbers (beaconMs at most 2^31 - 1)',
    );
  }
  const rate =
    options.rateLimit === false
      ? undefined
      : { burst: options.rateLimit?.burst ?? 200, perSecond: options.rateLimit?.perSecond ?? 100 };

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

  const conns = new Set<Conn<P>>();
  const watched = new Map<string, { conns: Set<Conn<P>>; off: () => void }>();
  const snapshotCache = new Map<
    string,
    { epoch: string | undefined; revision: string; json: string }
  >();
  const metrics: ServerMetrics = {
    connections: 0,
    accepted: 0,
    rejected: 0,
    badMessages: 0,
    tooLarge: 0,
    rateLimited: 0,
    slowConsumersDropped: 0,
    invalidationsSent: 0,
    snapshotsSent: 0,
    beaconsSent: 0,
  };
  let closing = false;
  let ticking = false;

  function report(error: StateSyncWebSocketError): void {
    try {
      options.onError?.(error);
    } catch {
      // a throwing onError must not break the server
    }
  }

  function sendFrame(conn: Conn<P>, frame: string): boolean {
    if (conn.closed || conn.ws.readyState !== OPEN) return false;
    conn.ws.send(frame);
    if (conn.ws.bufferedAmount > maxBufferedBytes) {
      // It is not reading: drop it now rather than hold its backlog. It resyncs when it returns.
      metrics.slowConsumersDropped++;
      report(
        new StateSyncWebSocketError(
          'slow_consumer',
          `dropped a connection with ${conn.ws.bufferedAmount} bytes unsent (maxBufferedBytes ${maxBufferedBytes})`,
        ),
      );
      conn.ws.terminate();
      return false;
    }
    return true;
  }

  function sendError(
    conn: Conn<P>,
    code: StateSyncWebSocketErrorCode,
    message: string,
    extra: { id?: string; topic?: string } = {},
  ): void {
    sendFrame(conn, JSON.stringify({ type: 'error', ...extra, code, message }));
  }

  function unwatch(topic: string, conn: Conn<P>): void {
    const entry = watched.get(topic);
    if (!entry?.conns.delete(conn) || entry.conns.size > 0) return;
    entry.off();
    watched.delete(topic);
    snapshotCache.delete(topic);
  }

  function watch(topic: string, conn: Conn<P>): void {
    let entry = watched.get(topic);
    if (!entry) {
      const conns = new Set<Conn<P>>();
      const off = source.topic(topic).subscribe((event) => {
        // Serialised once for every subscriber of the topic.
        const frame = JSON.stringify({
          type: 'invalidate',
          topic,
          revision: event.revision,
          epoch: event.epoch,
          sourceId: event.sourceId,
        });
        for (const subscriber of [...conns])
          if (sendFrame(subscriber, frame)) metrics.invalidationsSent++;
      });
      entry = { conns, off };
      watched.set(topic, entry);
    }
    entry.conns.add(conn);
  }

  async function allowed(conn: Conn<P>, topic: string): Promise<boolean> {
    if (!authorize) return true;
    try {
      return (await authorize(conn.principal as P, topic)) === true;
    } catch (cause) {
      report(
        new StateSyncWebSocketError('forbidden', `authorize threw for "${topic}": refused`, {
          cause,
          topic,
        }),
      );
      return false;
    }
  }

  async function sendHello(conn: Conn<P>): Promise<void> {
    const epoch = await source.getEpoch();
    sendFrame(
      conn,
      JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, epoch, heartbeatMs: beaconMs }),
    );
  }

  function reject(conn: Conn<P>, cause: unknown): void {
    metrics.rejected++;
    const error = cause instanceof StateSyncWebSocketError ? cause : undefined;
    const code =
      error?.closeCode !== undefined && error.closeCode >= 4000 && error.closeCode < 5000
        ? error.closeCode
        : 4401;
    conn.closed = true;
    conn.ws.close(code, clip(error ? rawMessage(error) : 'unauthorized'));
  }

  async function snapshotFrame(id: string, topic: string): Promise<string> {
    const envelope = await source.topic(topic).get();
    // Serialise the data once per revision while the topic is watched: N clients pulling the same
    // revision after an invalidation cost one JSON.stringify.
    let cached = snapshotCache.get(topic);
    if (!cached || cached.revision !== envelope.revision || cached.epoch !== envelope.epoch) {
      cached = {
        epoch: envelope.epoch,
        revision: envelope.revision,
        json: JSON.stringify(envelope.data ?? null),
      };
      if (watched.has(topic)) snapshotCache.set(topic, cached);
    }
    const head = JSON.stringify({
      type: 'snapshot',
      id,
      topic,
      revision: envelope.revision,
      epoch: envelope.epoch ?? '',
    });
    return `${head.slice(0, -1)},"data":${cached.json}}`;
  }

  async function handle(conn: Conn<P>, message: ClientMessage): Promise<void> {
    if (conn.closed) return;
    if (!conn.authed) {
      try {
        const principal = await authenticate!(
          conn.request,
          message.type === 'auth' ? message : undefined,
        );
        if (conn.closed) return;
        if (principal === undefined || principal === null || (principal as unknown) === false) {
          throw new StateSyncWebSocketError('unauthorized', 'unauthorized');
        }
        conn.principal = principal;
        conn.authed = true;
        globalThis.clearTimeout(conn.authTimer);
        await sendHello(conn);
      } catch (cause) {
        if (!conn.closed) reject(conn, cause);
        return;
      }
      if (message.type === 'auth') return;
    }
    switch (message.type) {
      case 'auth':
        return; // already authenticated: re-auth is not supported, reconnect instead
      case 'subscribe':
        for (const topic of message.topics) {
          if (conn.topics.has(topic)) continue;
          if (!(await allowed(conn, topic))) {
            sendError(conn, 'forbidden', `topic "${topic}" is not allowed`, { topic });
            continue;
          }
          if (conn.closed) return;
          conn.topics.add(topic);
          watch(topic, conn);
        }
        return;
      case 'unsubscribe':
        for (const topic of message.topics) {
          if (conn.topics.delete(topic)) unwatch(topic, conn);
        }
        return;
      case 'get': {
        const { id, topic } = message;
        if (!(await allowed(conn, topic)))
          return sendError(conn, 'forbidden', `topic "${topic}" is not allowed`, { id, topic });
        try {
          const frame = await snapshotFrame(id, topic);
          if (sendFrame(conn, frame)) metrics.snapshotsSent++;
        } catch (cause) {
          report(
            new StateSyncWebSocketError('internal', `reading "${topic}" from the source failed`, {
              cause,
              topic,
            }),
          );
          sendError(conn, 'internal', `reading "${topic}" failed`, { id, topic });
        }
        return;
      }
      case 'mutate': {
        const { id, topic, op, baseRevision } = message;
        if (!onMutate)
          return sendError(conn, 'unsupported', 'this server accepts no mutate (no onMutate)', {
            id,
            topic,
          });
        if (!(await allowed(conn, topic)))
          return sendError(conn, 'forbidden', `topic "${topic}" is not allowed`, { id, topic });
        try {
          const result = await onMutate({
            principal: conn.principal as P,
            topic,
            op,
            baseRevision,
            source,
          });
          const revision = (result as { revision?: unknown } | undefined)?.revision;
          sendFrame(
            conn,
            JSON.stringify(
              isRevision(revision) ? { type: 'ack', id, revision } : { type: 'ack', id },
            ),
          );
        } catch (cause) {
          if (cause instanceof StateSyncWebSocketError)
            return sendError(conn, cause.code, rawMessage(cause), { id, topic });
          report(
            new StateSyncWebSocketError('internal', `onMutate threw for "${topic}"`, {
              cause,
              topic,
            }),
          );
          sendError(conn, 'internal', 'mutation failed', { id, topic });
        }
      }
    }
  }

  /** Token bucket, refilled lazily: no timer per connection. */
  function take(conn: Conn<P>): boolean {
    if (!rate) return true;
    const now = Date.now();
    conn.tokens = Math.min(
      rate.burst,
      conn.tokens + ((now - conn.refilledAt) / 1000) * rate.perSecond,
    );
    conn.refilledAt = now;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  function onMessage(
    conn: Conn<P>,
    data: Buffer | ArrayBuffer | Buffer[],
    isBinary: boolean,
  ): void {
    conn.alive = true;
    if (conn.closed) return;
    const bytes = Array.isArray(data)
      ? data.reduce((sum, part) => sum + part.byteLength, 0)
      : data.byteLength;
    if (bytes > maxMessageBytes) {
      metrics.tooLarge++;
      sendError(
        conn,
        'too_large',
        `message of ${bytes} bytes exceeds maxMessageBytes (${maxMessageBytes})`,
      );
      return;
    }
    const parsed = isBinary
      ? ({ ok: false, problem: 'binary frames are not part of the protocol' } as const)
      : parseFrame(
          clientMessageSchemas,
          Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
        );
    const refused = parsed.ok ? undefined : describeRefusal(parsed);
    const id = parsed.ok ? ('id' in parsed.message ? parsed.message.id : undefined) : refused?.id;
    if (!take(conn)) {
      metrics.rateLimited++;
      // Requests get their own answer so they fail fast; the rest one error per second at most.
      const now = Date.now();
      if (id !== undefined || now - conn.rateErrorAt >= 1000) {
        if (id === undefined) conn.rateErrorAt = now;
        sendError(
          conn,
          'rate_limited',
          'too many messages: slow down',
          id === undefined ? {} : { id },
        );
      }
      return;
    }
    if (!parsed.ok) {
      metrics.badMessages++;
      sendError(conn, refused!.code, parsed.problem, id === undefined ? {} : { id });
      return;
    }
    conn.chain = conn.chain
      .then(() => handle(conn, parsed.message))
      .catch((cause) => {
        report(new StateSyncWebSocketError('internal', 'handling a message failed', { cause }));
      });
  }

  function cleanup(conn: Conn<P>): void {
    if (!conns.delete(conn)) return;
    conn.closed = true;
    metrics.connections = conns.size;
    globalThis.clearTimeout(conn.authTimer);
    for (const topic of conn.topics) unwatch(topic, conn);
    conn.topics.clear();
  }

  function accept(ws: WebSocket, request: IncomingMessage): void {
    const conn: Conn<P> = {
      ws,
      request,
      principal: undefined,
      authed: authenticate === undefined,
      closed: false,
      alive: true,
      topics: new Set(),
      chain: Promise.resolve(),
      tokens: rate?.burst ?? 0,
      refilledAt: Date.now(),
      rateErrorAt: 0,
      authTimer: undefined,
    };
    conns.add(conn);
    metrics.accepted++;
    metrics.connections = conns.size;
    ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('close', () => cleanup(conn));
    ws.on('error', (cause) => {
      report(new StateSyncWebSocketError('bad_request', 'socket error', { cause }));
    });
    if (conn.authed) {
      conn.chain = sendHello(conn).catch((cause) => {
        report(
          new StateSyncWebSocketError('internal', 'reading the source epoch failed', { cause }),
        );
        ws.close(1011, 'source unavailable');
      });
    } else {
      conn.authTimer = globalThis.setTimeout(() => {
        if (!conn.authed && !conn.closed)
          reject(
            conn,
            new StateSyncWebSocketError('unauthorized', 'no auth message in time', {
              closeCode: 4408,
            }),
          );
      }, authTimeoutMs);
    }
  }

  function originAllowed(origin: string | undefined): boolean {
    const allowedOrigins = options.allowedOrigins;
    if (allowedOrigins === undefined) return true;
    if (typeof allowedOrigins === 'function') return allowedOrigins(origin) === true;
    return origin !== undefined && allowedOrigins.includes(origin);
  }

  function refuse(socket: Duplex, status: string): void {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (options.path !== undefined) {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (pathname !== options.path) {
        if (own) refuse(socket, '404 Not Found'); // else another upgrade listener may own it
        return;
      }
    }
    if (closing) {
      refuse(socket, '503 Service Unavailable');
      return;
    }
    if (!originAllowed(request.headers.origin)) {
      metrics.rejected++;
      report(
        new StateSyncWebSocketError(
          'forbidden',
          `origin ${JSON.stringify(request.headers.origin ?? null)} is not allowed`,
        ),
      );
      refuse(socket, '403 Forbidden');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  }

  async function tick(): Promise<void> {
    if (ticking || closing) return;
    ticking = true;
    try {
      const epoch = await source.getEpoch();
      const revisions = new Map<string, string>();
      await Promise.all(
        [...watched.keys()].map(async (topic) => {
          try {
            revisions.set(topic, (await source.topic(topic).get()).revision);
          } catch (cause) {
            report(
              new StateSyncWebSocketError('internal', `reading "${topic}" for the beacon failed`, {
                cause,
                topic,
              }),
            );
          }
        }),
      );
      for (const conn of [...conns]) {
        if (!conn.authed || conn.closed) continue;
        if (!conn.alive) {
          conn.ws.terminate(); // nothing from it (not even a pong) for a whole period: half-open
          continue;
        }
        conn.alive = false;
        conn.ws.ping();
        // Null prototype: every topic is an own key, whatever its name (defence in depth: the
        // protocol's topic rule already refuses `__proto__`).
        const mine: Record<string, string> = Object.create(null);
        for (const topic of conn.topics) {
          const revision = revisions.get(topic);
          if (revision !== undefined) mine[topic] = revision;
        }
        if (sendFrame(conn, JSON.stringify({ type: 'beacon', revisions: mine, epoch })))
          metrics.beaconsSent++;
      }
    } catch (cause) {
      report(new StateSyncWebSocketError('internal', 'beacon failed', { cause }));
    } finally {
      ticking = false;
    }
  }

  http.on('upgrade', onUpgrade);
  const timer = globalThis.setInterval(() => void tick(), beaconMs);
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

  return {
    port,
    url: port === undefined ? undefined : `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: () =>
      [...conns].map((conn) => ({
        get principal() {
          return conn.principal;
        },
        get authenticated() {
          return conn.authed;
        },
        topics: conn.topics,
        bufferedAmount: () => conn.ws.bufferedAmount,
        sendRaw: (frame: string) => {
          if (conn.ws.readyState === OPEN) conn.ws.send(frame);
        },
        close: (code = 1000, reason = '') => conn.ws.close(code, clip(reason)),
        terminate: () => conn.ws.terminate(),
      })),
    watchedTopics: () => [...watched.keys()],
    getMetrics: () => ({ ...metrics, connections: conns.size }),
    async close(reason = 'server shutting down') {
      if (closing) return;
      closing = true;
      globalThis.clearInterval(timer);
      http.off('upgrade', onUpgrade);
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
          ws.close(1001, clip(reason));
        }
      });
      for (const conn of [...conns]) cleanup(conn);
      for (const entry of watched.values()) entry.off();
      watched.clear();
      snapshotCache.clear();
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
