// Every option of createSyncServer, its default (all in SERVER_DEFAULTS) and its validation.
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Source } from '@state-sync/core';
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

/** Every default of the server, in one place (the docs' Limits table mirrors it). */
export const SERVER_DEFAULTS = {
  beaconMs: 30_000,
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  authTimeoutMs: 10_000,
  rateLimit: { burst: 200, perSecond: 100 },
} as const;

/** The options with every default filled in and checked. */
export interface ResolvedServerOptions<P> {
  readonly source: Source;
  readonly beaconMs: number;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly authTimeoutMs: number;
  /** undefined: rate limiting is off. */
  readonly rate: { readonly burst: number; readonly perSecond: number } | undefined;
  readonly authenticate: SyncServerOptions<P>['authenticate'];
  readonly authorize: SyncServerOptions<P>['authorize'];
  readonly onMutate: SyncServerOptions<P>['onMutate'];
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
      : {
          burst: options.rateLimit?.burst ?? SERVER_DEFAULTS.rateLimit.burst,
          perSecond: options.rateLimit?.perSecond ?? SERVER_DEFAULTS.rateLimit.perSecond,
        };
  return {
    source,
    beaconMs,
    maxMessageBytes,
    maxBufferedBytes,
    authTimeoutMs,
    rate,
    authenticate: options.authenticate,
    authorize: options.authorize,
    onMutate: options.onMutate,
    allowedOrigins: options.allowedOrigins,
    path: options.path,
    onError: options.onError,
  };
}
