// One accepted socket: its state, how it is rejected, and its heartbeat. Frames go out through
// its send backlog (send-backlog.ts), which judges slow consumers.
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { StateSyncWebSocketError, type StateSyncWebSocketErrorCode } from './errors';
import type { PreparedFrame } from './prepared-frame';
import type { ProtocolFeature } from './protocol';
import {
  createSendBacklog,
  releaseBacklog,
  type SendBacklog,
  sendThroughBacklog,
  whenWritable,
} from './send-backlog';
import type { ServerContext } from './server-context';
import { CLOSE_CODES } from './server-options';

/** What `server.connections()` shows of a connection. */
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

export interface Connection<P> {
  readonly ws: WebSocket;
  readonly request: IncomingMessage;
  principal: P | undefined;
  authed: boolean;
  closed: boolean;
  /** Heard from since the last heartbeat (any message or pong). */
  alive: boolean;
  readonly topics: Set<string>;
  /** auth / subscribe / unsubscribe, in order; gets and mutates wait for it (message-intake.ts). */
  chain: Promise<void>;
  /**
   * The write-path client whose mutations (or `get` with `clientId`) this connection carried last:
   * its invalidations carry that client's `mutation` mark, no other connection sees it.
   */
  clientId: string | undefined;
  /** The last mutate of each topic still running: the next one of that topic waits for it. */
  mutations: Map<string, Promise<void>> | undefined;
  /** Unsent data and the slow-consumer judge (send-backlog.ts). */
  readonly backlog: SendBacklog;
  /** Token bucket state (see limits.ts). */
  tokens: number;
  refilledAt: number;
  rateErrorAt: number;
  /** Protocol features both ends announced (the client in `auth`); none for an old client. */
  features: readonly ProtocolFeature[];
  /** Messages accepted and not yet handled, and their bytes (maxRequests*InFlight). */
  inFlight: number;
  inFlightBytes: number;
  /** Messages and bytes received before authentication finished (maxPreAuth*). */
  preAuthMessages: number;
  preAuthBytes: number;
  authTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Sends a text frame (a Buffer holds its UTF-8; a PreparedFrame is serialised and framed once
   * for many connections) unless closed; false when not sent (closed, or dropped as a slow consumer).
   */
  send(frame: string | Buffer | PreparedFrame): boolean;
  /** Resolves true once the send backlog is at most maxBufferedBytes (see send-backlog.ts). */
  writable(): Promise<boolean>;
  /** Snapshots go out one at a time, each once the backlog allows it. */
  snapshotLane: Promise<void>;
  /** The socket closed: releases its timers and waiters. */
  release(): void;
  sendError(
    code: StateSyncWebSocketErrorCode,
    message: string,
    extra?: { id?: string; topic?: string },
  ): void;
  /** Refuses the connection (authentication failed): close 4401 or the error's own 4xxx code. */
  reject(cause: unknown): void;
  /**
   * Once per beacon period: terminates a connection not heard from since the last call
   * (half-open) and returns false, else pings it and returns true.
   */
  heartbeat(): boolean;
  view(): SyncConnection<P>;
}

const OPEN = 1;

export function clip(reason: string): string {
  // A close reason is at most 123 bytes on the wire.
  const bytes = new TextEncoder().encode(reason);
  return bytes.length <= 123
    ? reason
    : new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, '');
}

/** An error's message without our prefix, to travel on the wire. */
export function rawMessage(error: StateSyncWebSocketError): string {
  return error.message.replace(/^\[state-sync\/websocket\] /, '');
}

// A resolved promise to start lanes with: immutable, so one serves every connection.
const IDLE: Promise<void> = Promise.resolve();

/**
 * Makes the connections of one server. Their methods live on one shared prototype per server, not
 * in closures per connection: at thousands of idle connections a closure per method per socket
 * was a third of the memory (bench/results/server-memory-*).
 */
export function createConnectionFactory<P>(
  context: ServerContext<P>,
): (ws: WebSocket, request: IncomingMessage) => Connection<P> {
  const { options, metrics } = context;
  const methods: ThisType<Connection<P>> &
    Pick<
      Connection<P>,
      'send' | 'writable' | 'release' | 'sendError' | 'reject' | 'heartbeat' | 'view'
    > = {
    send(frame) {
      return sendThroughBacklog(context, this, frame);
    },
    writable() {
      return whenWritable(context, this);
    },
    release() {
      globalThis.clearTimeout(this.authTimer);
      releaseBacklog(this.backlog);
    },
    sendError(code, message, extra = {}) {
      this.send(JSON.stringify({ type: 'error', ...extra, code, message }));
    },
    reject(cause) {
      metrics.rejected++;
      const error = cause instanceof StateSyncWebSocketError ? cause : undefined;
      const code =
        error?.closeCode !== undefined && error.closeCode >= 4000 && error.closeCode < 5000
          ? error.closeCode
          : CLOSE_CODES.unauthorized;
      this.closed = true;
      this.ws.close(code, clip(error ? rawMessage(error) : 'unauthorized'));
    },
    heartbeat() {
      if (!this.alive) {
        this.ws.terminate(); // nothing from it (not even a pong) for a whole period: half-open
        return false;
      }
      this.alive = false;
      this.ws.ping();
      return true;
    },
    view() {
      const conn = this;
      const { ws } = conn;
      return {
        get principal() {
          return conn.principal;
        },
        get authenticated() {
          return conn.authed;
        },
        topics: conn.topics,
        bufferedAmount: () => ws.bufferedAmount,
        sendRaw: (frame: string) => {
          if (ws.readyState === OPEN) ws.send(frame);
        },
        close: (code = 1000, reason = '') => ws.close(code, clip(reason)),
        terminate: () => ws.terminate(),
      };
    },
  };

  return (ws, request) => {
    const state: Omit<Connection<P>, keyof typeof methods> = {
      ws,
      request,
      principal: undefined,
      authed: options.authenticate === undefined,
      closed: false,
      alive: true,
      topics: new Set(),
      chain: IDLE,
      mutations: undefined,
      clientId: undefined,
      snapshotLane: IDLE,
      backlog: createSendBacklog(),
      tokens: options.rate?.burst ?? 0,
      refilledAt: Date.now(),
      rateErrorAt: 0,
      features: [],
      inFlight: 0,
      inFlightBytes: 0,
      preAuthMessages: 0,
      preAuthBytes: 0,
      authTimer: undefined,
    };
    // The literal gives V8 one fast shape for every connection; Object.assign onto
    // Object.create(methods) went past its fast-property limit and left each connection a
    // dictionary, a hash lookup per field read in every fan-out.
    return Object.setPrototypeOf(state, methods) as Connection<P>;
  };
}
