// The client's options, metrics and public types. The options every transport's client shares
// (status, reconnect, onError/onStatus, browser events) are @state-sync/protocol's.
import type {
  InvalidationSubscriber,
  MutateFn,
  MutationAck,
  MutatorsByTopic,
  OptimisticQueue,
  OutboxOptions,
  RevisionSyncHandle,
  SnapshotProvider,
} from '@state-sync/core';
import type {
  ClientStatus,
  MutateOptions,
  SyncTopicOptions,
  TransportClientOptions,
} from '@state-sync/protocol';
import type { StateSyncHttpError } from './errors';

export type {
  ClientStatus,
  MutateOptions,
  ReconnectOptions,
  SyncTopicOptions,
} from '@state-sync/protocol';

export interface HttpSyncClientOptions<M extends MutatorsByTopic = MutatorsByTopic>
  extends OutboxOptions,
    TransportClientOptions<StateSyncHttpError> {
  /** Where the handler is mounted, e.g. `https://api.example.com/sync` (no trailing slash needed). */
  url: string;
  /** Sent with every request (the event stream, snapshots, mutate). */
  headers?: Record<string, string>;
  /** Called before every request, e.g. for a fresh token; merged over `headers`. */
  getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  /** The fetch to use. Default `globalThis.fetch` (browsers, Node ≥ 18, Bun, Deno). */
  fetch?: typeof fetch;
  /** `'include'` to send cookies to another origin (the server's CORS must allow credentials). */
  credentials?: RequestCredentials;
  /** Time allowed for the event stream to open (answer + `hello`). Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Time allowed for a snapshot or mutate request. Default 15 000 ms. */
  requestTimeoutMs?: number;
  /** An event larger than this ends the stream (it reconnects). Default 1 MiB. */
  maxEventBytes?: number;
  /**
   * Announce the push features (`delta`, `inline`, `resume`): invalidations then carry the change,
   * applied without a round trip when it starts exactly at the local revision; a reconnect resumes
   * from the delta log; pulls of a known revision ask for the delta from the local one. Default
   * true; false behaves as a client from before deltas (every change pulls the snapshot).
   */
  push?: boolean;
  /**
   * Topic → its mutators (`defineMutators`), the same object the server has: gives the typed
   * `client.mutate(topic, name, args)` and `client.optimistic`. See docs/writes.md.
   */
  mutators?: M;
  /**
   * With `mutators`: keep an optimistic view (`client.optimistic`, the core OptimisticQueue) of
   * every topic, its pending mutations applied on the confirmed state. Default true.
   */
  optimistic?: boolean;
  /** With `mutators`: this client's id for exactly-once writes. Default: random per client. */
  clientId?: string;
}

export interface ClientMetrics {
  framesReceived: number;
  /** Frames rejected before reaching the engine: not JSON, unknown type, failed the schema. */
  invalidFrames: number;
  /** Errors reported through onError, all kinds. */
  errors: number;
  /** Snapshot requests sent (each may be answered by a cache on the way). */
  snapshotRequests: number;
  /** Snapshots answered from pushed state (an invalidation's delta or inline data), no pull. */
  pushed: number;
  /** Deltas applied (pushed, resumed or pulled), each exactly on its base. */
  deltas: number;
  /** Deltas that could not be used (wrong base, failed to apply, rejected by the schema): pulled. */
  deltaFallbacks: number;
  /** Pulls answered `304 Not Modified` (nothing new since the local revision). */
  notModified: number;
}

export interface HttpSyncClient<M extends MutatorsByTopic = MutatorsByTopic> {
  status(): ClientStatus;
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** The transport half an engine needs; many engines may share one topic. */
  subscriber(topic: string): InvalidationSubscriber;
  provider<T>(topic: string): SnapshotProvider<T>;
  /** The shortest form: an engine for `topic` on this client, already started. */
  sync<T>(topic: string, options: SyncTopicOptions<T>): RevisionSyncHandle;
  /**
   * The typed write path (needs `mutators`): applies the mutator to `client.optimistic`'s view at
   * once, sends it (`POST …/mutate`, exactly once per (clientId, seq), resent after a reconnect)
   * and resolves with the ack; rejects with the server's `MutationRejected` (its code and message).
   */
  mutate: MutateFn<M, MutationAck>;
  /**
   * The optimistic queue (core's OptimisticQueue) when `mutators` are given and `optimistic` is
   * not false: `syncPiniaStore/syncZustandStore({ optimistic: client.optimistic })`, or
   * `client.optimistic.applier(topic, applier)` for `client.sync`.
   */
  readonly optimistic: OptimisticQueue<M> | undefined;
  /**
   * The escape hatch: `POST …/mutate` with a free-form `op` for the server's `onMutate`; resolves
   * with the new revision. Not exactly-once: a retry after `disconnected` may apply twice.
   */
  mutateOp(topic: string, op: unknown, options?: MutateOptions): Promise<{ revision?: string }>;
  /** Engine handlers currently attached, for leak checks. */
  listenerCount(): number;
  getMetrics(): ClientMetrics;
  /** Ends the event stream for good; later requests reject with `closed`. */
  close(): Promise<void>;
}
