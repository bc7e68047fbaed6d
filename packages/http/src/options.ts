// The handler's options and their defaults, in one place: every bound a remote peer can make us
// hold is named here with its default (see docs/transports/http.md, "Limits").
import type { MutatorsByTopic, Source } from '@state-sync/core';
import type { CorsOptions } from './cors';
import { StateSyncHttpError } from './errors';

export interface MutateContext<P> {
  principal: P;
  topic: string;
  /** Untrusted: validate it (e.g. with zod) and throw a StateSyncHttpError to refuse it. */
  op: unknown;
  baseRevision: string | undefined;
  source: Source;
  request: Request;
}

export interface HttpSyncHandlerOptions<P = unknown> {
  source: Source;
  /** Path prefix of every route, e.g. `/sync` → `/sync/events`. Default `''`. */
  basePath?: string;
  /**
   * Called once per request (event stream, snapshot, mutate) with the Fetch `Request`: read a
   * header or a cookie and return the principal. Throw (a StateSyncHttpError may set `status`)
   * or return null/undefined/false to answer 401. Without it every request is anonymous.
   */
  authenticate?: (request: Request) => P | Promise<P>;
  /** Per topic and per request; false (or a throw) answers `forbidden`. Default: allow all. */
  authorize?: (principal: P, topic: string) => boolean | Promise<boolean>;
  /**
   * Topics whose snapshots a shared cache (CDN, nginx) may keep and hand to anyone. Default:
   * every topic when neither `authenticate` nor `authorize` is set, else none: the others are
   * answered with `Cache-Control: private`, so no shared cache ever serves them to another user.
   */
  isPublic?: (topic: string) => boolean;
  /** Cross-origin browsers: the allow-list. Without it no CORS header is sent. */
  cors?: CorsOptions;
  /**
   * Topic → its mutators (`defineMutators`), shared with the clients: a `POST …/mutate` naming a
   * mutator is validated, applied with compare-and-set and exactly once per (clientId, seq), and
   * acked with the new revision; a `MutationRejected` answers `422` with its own code and message
   * and `rejected: true`; a store failure `503 unavailable` (the client resends). The source's
   * store must record mutations (memory, SQLite, Redis). See docs/writes.md.
   */
  mutators?: MutatorsByTopic;
  /**
   * Binds client ids to the authenticated principal: return who this is (a user id). Mutations
   * are then applied exactly once per (scope, clientId), so a client id another user learned
   * (invalidation marks reach every reader of a topic) cannot touch this user's sequence. Default:
   * none — ids are global bearer values (docs/writes.md). Throwing or returning a bad value fails
   * the mutation (`unavailable`, reported through `onError`).
   */
  clientScope?: (principal: P) => string | undefined;
  /**
   * The escape hatch for writes that are not mutators: applies a `POST …/mutate` carrying a
   * free-form `op` (the client's `mutateOp`); resolve to the new envelope/revision for the answer.
   */
  onMutate?: (context: MutateContext<P>) => unknown | Promise<unknown>;
  /** A comment line on every event stream this often, announced in `hello`. Default 15 000 ms. */
  heartbeatMs?: number;
  /** A `beacon` (every topic's revision) on every event stream this often. Default 30 000 ms. */
  beaconMs?: number;
  /** Topics one event stream may carry; more answers 400 `too_many_topics`. Default 1 000. */
  maxTopicsPerConnection?: number;
  /** Open event streams at once; more answers 503 `too_many_connections`. Default 10 000. */
  maxConnections?: number;
  /** A stream whose unsent backlog stays above this for `slowConsumerMs` is closed. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** How long the backlog may stay above `maxBufferedBytes`. Default 10 000 ms. */
  slowConsumerMs?: number;
  /** Request bodies (mutate, a POSTed topic list) above this answer 413. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Serialised snapshots kept (one per topic, oldest dropped first). Default 1 000. */
  snapshotCacheEntries?: number;
  /**
   * Push: an `invalidate` carries its change to clients that announced the push features —
   * `delta` when the source kept one (smaller than the state), else the whole state (`data`) when
   * its JSON is at most `inlineBytes`, else nothing (the client pulls) — and `Last-Event-ID` is
   * answered from the delta log. Default true; false sends plain invalidations only.
   */
  push?: boolean;
  /** Largest state (JSON characters) an `invalidate` carries whole. Default 16 KiB; 0: never. */
  inlineBytes?: number;
  onError?: (error: StateSyncHttpError) => void;
}

export interface ResolvedLimits {
  heartbeatMs: number;
  beaconMs: number;
  maxTopicsPerConnection: number;
  maxConnections: number;
  maxBufferedBytes: number;
  /** Past this the stream is closed at once, however briefly: 4 × maxBufferedBytes. */
  hardMaxBufferedBytes: number;
  slowConsumerMs: number;
  maxBodyBytes: number;
  snapshotCacheEntries: number;
  push: boolean;
  inlineBytes: number;
}

const MAX_TIMER_MS = 2_147_483_647;

export function resolveLimits<P>(options: HttpSyncHandlerOptions<P>): ResolvedLimits {
  const limits = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    beaconMs: options.beaconMs ?? 30_000,
    maxTopicsPerConnection: options.maxTopicsPerConnection ?? 1000,
    maxConnections: options.maxConnections ?? 10_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    slowConsumerMs: options.slowConsumerMs ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    snapshotCacheEntries: options.snapshotCacheEntries ?? 1000,
  };
  for (const [name, value] of Object.entries(limits)) {
    const timer = name.endsWith('Ms');
    if (!(typeof value === 'number' && value > 0 && (!timer || value <= MAX_TIMER_MS))) {
      throw new StateSyncHttpError(
        'invalid_argument',
        `options.${name} must be a positive number${timer ? ' of at most 2^31 - 1 ms' : ''}, got ${String(value)}`,
      );
    }
  }
  const inlineBytes = options.inlineBytes ?? 16 * 1024;
  if (!Number.isSafeInteger(inlineBytes) || inlineBytes < 0) {
    throw new StateSyncHttpError(
      'invalid_argument',
      `options.inlineBytes must be a non-negative integer (0: never inline), got ${String(inlineBytes)}`,
    );
  }
  return {
    ...limits,
    hardMaxBufferedBytes: 4 * limits.maxBufferedBytes,
    push: options.push ?? true,
    inlineBytes,
  };
}
