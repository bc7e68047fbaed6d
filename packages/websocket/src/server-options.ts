// Every option of createSyncServer, its default (all in SERVER_DEFAULTS) and its validation.
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { MutatorsByTopic, Source } from '@state-sync/core';
import { StateSyncWebSocketError } from './errors';
import type { AuthMessage } from './protocol';

export interface MutateContext<P> {
  principal: P;
  topic: string;
  /** Untrusted: validate it (e.g. with zod) and throw a StateSyncWebSocketError to refuse it. */
  op: unknown;
  baseRevision: string | undefined;
  source: Source;
}

export interface RateLimitOptions {
  /**
   * Messages a connection may send at once. Default 1,100, or maxTopicsPerConnection + 100 when
   * that is larger: a reconnecting client pulls every topic at once, and must not be refused.
   */
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
  /**
   * Topic → its mutators (`defineMutators`), shared with the clients: a `mutate` naming a mutator
   * is validated, applied with compare-and-set and exactly once per (clientId, seq), and acked
   * with the new revision; a `MutationRejected` reaches the client with its own code and message.
   * The source's store must record mutations (memory, SQLite, Redis), else createSyncServer
   * rejects with `invalid_argument` before listening. See docs/writes.md.
   */
  mutators?: MutatorsByTopic;
  /**
   * Binds client ids to the authenticated principal: return who this is (a user id). Mutations
   * are then applied exactly once per (scope, clientId), so a client id another user learned
   * cannot touch this user's sequence. Default: none — ids are global bearer values
   * (docs/writes.md). Throwing or returning a bad value fails the mutation (`unavailable`,
   * reported through `onError`).
   */
  clientScope?: (principal: P) => string | undefined;
  /**
   * The escape hatch for writes that are not mutators: applies a `mutate` carrying a free-form
   * `op` (the client's `mutateOp`); resolve to the new envelope/revision for the `ack`. A thrown
   * StateSyncWebSocketError reaches the client with its code; a compare-and-set `conflict` of the
   * source as `conflict`.
   */
  onMutate?: (context: MutateContext<P>) => unknown | Promise<unknown>;
  /** Beacon period, also the heartbeat announced in `hello`. Default 30 000 ms. */
  beaconMs?: number;
  /**
   * Topics read from the source, and beacon entries written, per event-loop turn of a beacon
   * round; a connection with more topics gets its beacon in several frames. Default 1,000.
   */
  beaconSliceSize?: number;
  /** Inbound messages above this get an `error` (`too_large`). Default 64 KiB. */
  maxMessageBytes?: number;
  /** Per-connection token bucket; false disables it. */
  rateLimit?: RateLimitOptions | false;
  /**
   * The unsent data (backlog) a connection may have before it is judged: snapshots wait until the
   * backlog is under it, and a backlog that stays above it for slowConsumerMs without the client
   * reading a frame gets the connection dropped (a slow consumer). Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * How long a backlog may stay above maxBufferedBytes with nothing read before the connection is
   * dropped. A reading client receives any state it can read within this time. Default 30 000 ms.
   */
  slowConsumerMs?: number;
  /** Time allowed for the first message when `authenticate` is set. Default 10 000 ms. */
  authTimeoutMs?: number;
  /**
   * Topics one connection may be subscribed to. A `subscribe` past it is answered with `error`
   * `too_many_topics` (naming the first refused topic) and the connection stays open. Default 1,000.
   */
  maxTopicsPerConnection?: number;
  /**
   * Messages of one connection waiting or being handled at once (`get`, `mutate`, `subscribe`…,
   * from arrival to answer), and their bytes: a slow `onMutate` or `authorize` makes them pile up.
   * Past either bound a message is answered with `error` `too_many_requests` (with its id) at once
   * and the connection stays open. Defaults 1,100 messages (or maxTopicsPerConnection + 100
   * when larger, so a client pulling all its topics after a reconnect fits) and 1 MiB.
   */
  maxRequestsInFlight?: number;
  maxRequestBytesInFlight?: number;
  /**
   * Messages held while `authenticate` runs (the first included), and their bytes. Past either
   * bound the connection is closed with 1008. Default 16 messages, 128 KiB.
   */
  maxPreAuthMessages?: number;
  maxPreAuthBytes?: number;
  /** Open connections at most; further ones are closed at once with 1013. Default: no limit. */
  maxConnections?: number;
  /**
   * Push to clients that announce the features (`delta`, `inline`, `resume`): an `invalidate`
   * carries the change's delta when the source recorded one (`createSource({ diff })`), else the
   * whole state when its JSON is at most `inlineBytes`, else nothing (the client pulls); a `get`
   * with `since` is answered with one combined delta from the source's log when it reaches back.
   * Clients announcing nothing get plain invalidations. Default true.
   */
  push?: boolean;
  /** Largest state (UTF-8 bytes of its JSON) sent inline in an `invalidate`. Default 16 KiB. */
  inlineBytes?: number;
  onError?: (error: StateSyncWebSocketError) => void;
}

/** Every default of the server, in one place (the docs' Limits table mirrors it). */
export const SERVER_DEFAULTS = {
  beaconMs: 30_000,
  beaconSliceSize: 1_000,
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  slowConsumerMs: 30_000,
  authTimeoutMs: 10_000,
  // Both above the topic cap: a client reconnecting sends auth, subscribe and one `get` per topic
  // at once, so a legitimate client with maxTopicsPerConnection topics must fit in one burst.
  // A larger maxTopicsPerConnection raises them along (cap + 100) unless they are given.
  rateLimit: { burst: 1_100, perSecond: 100 },
  maxTopicsPerConnection: 1_000,
  maxRequestsInFlight: 1_100,
  maxRequestBytesInFlight: 1024 * 1024,
  maxPreAuthMessages: 16,
  maxPreAuthBytes: 128 * 1024,
  maxConnections: Number.POSITIVE_INFINITY,
  inlineBytes: 16 * 1024,
} as const;

/** Close codes the server uses, in one place (the docs' Limits table mirrors it). */
export const CLOSE_CODES = {
  /** `close(reason)`: the server shuts down. */
  goingAway: 1001,
  /** Too many messages (or bytes) before authentication finished. */
  preAuthOverflow: 1008,
  /** Reading the epoch for `hello` failed. */
  sourceUnavailable: 1011,
  /** The server is at `maxConnections`. */
  tooManyConnections: 1013,
  /** `authenticate` refused the connection (a thrown error may carry its own 4xxx). */
  unauthorized: 4401,
  /** No first message within `authTimeoutMs`. */
  authTimeout: 4408,
} as const;

/** The options with every default filled in and checked. */
export interface ResolvedServerOptions<P> {
  readonly source: Source;
  readonly beaconMs: number;
  readonly beaconSliceSize: number;
  readonly push: boolean;
  readonly inlineBytes: number;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly slowConsumerMs: number;
  readonly authTimeoutMs: number;
  readonly maxTopicsPerConnection: number;
  readonly maxRequestsInFlight: number;
  readonly maxRequestBytesInFlight: number;
  readonly maxPreAuthMessages: number;
  readonly maxPreAuthBytes: number;
  readonly maxConnections: number;
  /** undefined: rate limiting is off. */
  readonly rate: { readonly burst: number; readonly perSecond: number } | undefined;
  readonly authenticate: SyncServerOptions<P>['authenticate'];
  readonly authorize: SyncServerOptions<P>['authorize'];
  readonly onMutate: SyncServerOptions<P>['onMutate'];
  readonly mutators: MutatorsByTopic | undefined;
  readonly clientScope: SyncServerOptions<P>['clientScope'];
  readonly allowedOrigins: SyncServerOptions<P>['allowedOrigins'];
  readonly path: string | undefined;
  readonly onError: SyncServerOptions<P>['onError'];
}

export function resolveServerOptions<P>(options: SyncServerOptions<P>): ResolvedServerOptions<P> {
  const {
    source,
    beaconMs = SERVER_DEFAULTS.beaconMs,
    maxMessageBytes = SERVER_DEFAULTS.maxMessageBytes,
    maxBufferedBytes = SERVER_DEFAULTS.maxBufferedBytes,
    slowConsumerMs = SERVER_DEFAULTS.slowConsumerMs,
    authTimeoutMs = SERVER_DEFAULTS.authTimeoutMs,
  } = options;
  if (typeof source?.topic !== 'function') {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'options.source must be a Source from createSource()',
    );
  }
  if (
    !(beaconMs > 0 && beaconMs <= 2_147_483_647) ||
    !(slowConsumerMs > 0 && slowConsumerMs <= 2_147_483_647) ||
    !(maxMessageBytes > 0) ||
    !(maxBufferedBytes > 0)
  ) {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'beaconMs, slowConsumerMs, maxMessageBytes and maxBufferedBytes must be positive numbers (the times at most 2^31 - 1)',
    );
  }
  const maxTopicsPerConnection =
    options.maxTopicsPerConnection ?? SERVER_DEFAULTS.maxTopicsPerConnection;
  // A full resync (every topic pulled at once) must fit under the request bounds.
  const resyncRoom = Number.isFinite(maxTopicsPerConnection) ? maxTopicsPerConnection + 100 : 0;
  const counts = {
    beaconSliceSize: options.beaconSliceSize ?? SERVER_DEFAULTS.beaconSliceSize,
    maxTopicsPerConnection,
    maxRequestsInFlight:
      options.maxRequestsInFlight ?? Math.max(SERVER_DEFAULTS.maxRequestsInFlight, resyncRoom),
    maxRequestBytesInFlight:
      options.maxRequestBytesInFlight ?? SERVER_DEFAULTS.maxRequestBytesInFlight,
    maxPreAuthMessages: options.maxPreAuthMessages ?? SERVER_DEFAULTS.maxPreAuthMessages,
    maxPreAuthBytes: options.maxPreAuthBytes ?? SERVER_DEFAULTS.maxPreAuthBytes,
    maxConnections: options.maxConnections ?? SERVER_DEFAULTS.maxConnections,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (!(value >= 1) || (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY)) {
      throw new StateSyncWebSocketError(
        'invalid_argument',
        `${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  const inlineBytes = options.inlineBytes ?? SERVER_DEFAULTS.inlineBytes;
  if (!Number.isSafeInteger(inlineBytes) || inlineBytes < 0) {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      `inlineBytes must be a non-negative integer (0: never inline), got ${String(inlineBytes)}`,
    );
  }
  const rate =
    options.rateLimit === false
      ? undefined
      : {
          burst: options.rateLimit?.burst ?? Math.max(SERVER_DEFAULTS.rateLimit.burst, resyncRoom),
          perSecond: options.rateLimit?.perSecond ?? SERVER_DEFAULTS.rateLimit.perSecond,
        };
  return {
    source,
    beaconMs,
    maxMessageBytes,
    maxBufferedBytes,
    slowConsumerMs,
    authTimeoutMs,
    ...counts,
    rate,
    authenticate: options.authenticate,
    authorize: options.authorize,
    onMutate: options.onMutate,
    mutators: options.mutators,
    clientScope: options.clientScope,
    allowedOrigins: options.allowedOrigins,
    path: options.path,
    onError: options.onError,
    push: options.push ?? true,
    inlineBytes,
  };
}
