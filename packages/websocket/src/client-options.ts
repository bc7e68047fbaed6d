// The client's public option and result types, and every default in one place. The options every
// transport's client shares (status, reconnect, onError/onStatus, browser events) are
// @state-sync/protocol's; this file adds the WebSocket's own.
import type {
  ReconnectOptions as BaseReconnectOptions,
  TransportClientOptions,
} from '@state-sync/protocol';
import { StateSyncWebSocketError } from './errors';

export type { ClientStatus, MutateOptions, SyncTopicOptions } from '@state-sync/protocol';

/** What the client needs from a WebSocket: the browser's, `ws`'s and undici's all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  /** `ws`'s options in Node; browsers and undici ignore a third argument. */
  options?: { maxPayload?: number },
) => WebSocketLike;

export interface ReconnectOptions extends BaseReconnectOptions {
  /**
   * A connection must stay up this long before the delays start again from `baseDelayMs`, so a
   * server that accepts and then drops every connection is not hammered. Default 10 000 ms.
   */
  healthyAfterMs?: number;
}

export interface SyncClientOptions extends TransportClientOptions<StateSyncWebSocketError> {
  /** `ws://` or `wss://` URL, or a function (called before every connect) returning one. */
  url: string | (() => string | Promise<string>);
  /** The WebSocket implementation. Default `globalThis.WebSocket`; pass `ws`'s in Node 20. */
  WebSocket?: WebSocketConstructor;
  protocols?: string | string[];
  /** Sent in the first message (`auth`); a function is called before every connect. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  reconnect?: ReconnectOptions;
  /**
   * The largest frame this client accepts, in bytes: `ws`'s `maxPayload` in Node (its default is
   * 100 MiB). A larger frame drops the connection and is reported as `too_large` (close code
   * 1009); the next attempt waits `maxDelayMs`. Browsers have no such limit and ignore it.
   */
  maxPayloadBytes?: number;
  /** Time allowed from opening a socket to the server's `hello`. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Time allowed for a `get` or `mutate` answer, connection waits included. Default 15 000 ms. */
  requestTimeoutMs?: number;
  /**
   * Announce the push features (`delta`, `inline`, `resume`): invalidations then carry the change,
   * applied without a round trip when it starts exactly at the local revision. Default true;
   * false behaves as a client from before deltas (every change pulled).
   */
  push?: boolean;
}

export interface ClientMetrics {
  framesReceived: number;
  /** Frames rejected before reaching the engine: not JSON, unknown type, failed the schema. */
  invalidFrames: number;
  /** Errors reported through onError, all kinds. */
  errors: number;
  /** Sockets opened after the first one. */
  reconnects: number;
  /** Snapshots answered from pushed state (an invalidation's delta or inline data) with no pull. */
  pushed: number;
  /** Deltas applied (pushed or from a resumed `get`), each exactly on its base. */
  deltas: number;
  /** Deltas that could not be used (wrong base, failed to apply, rejected by the schema): pulled. */
  deltaFallbacks: number;
}

/** The options with every default filled in. */
export type ResolvedClientOptions = SyncClientOptions &
  Required<ReconnectOptions> &
  Required<
    Pick<SyncClientOptions, 'connectTimeoutMs' | 'requestTimeoutMs' | 'browserEvents' | 'random'>
  >;

export function resolveClientOptions(options: SyncClientOptions): ResolvedClientOptions {
  if (typeof options.url !== 'string' && typeof options.url !== 'function') {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'options.url must be a ws:// URL string or a function returning one',
    );
  }
  const reconnect = options.reconnect ?? {};
  return {
    ...options,
    baseDelayMs: reconnect.baseDelayMs ?? 250,
    maxDelayMs: reconnect.maxDelayMs ?? 10_000,
    jitter: reconnect.jitter ?? 0.5,
    healthyAfterMs: reconnect.healthyAfterMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    browserEvents: options.browserEvents ?? true,
    random: options.random ?? Math.random,
  };
}
