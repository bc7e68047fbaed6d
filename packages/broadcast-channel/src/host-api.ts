// What a host end offers and counts: the options, metrics and methods of
// createBroadcastChannelHost (host.ts builds it).
import type { MutatorsByTopic, Source, SourceStore, WriteMeta } from '@state-sync/core';
import type { BroadcastChannelConstructor } from './channel';
import type { BroadcastChannelError } from './errors';
import type { DiffFunction } from './host-push';

/** Turns a custom mutation `op` into the topic's next data. `{ type: 'set', data }` never reaches it. */
export type Reducer = (topic: string, current: unknown, op: unknown) => unknown;

/**
 * Remembers which mutations were written, durably, so a mutation retried against a new host after
 * a failover is not applied twice. `createIndexedDbStore` implements it.
 */
export interface MutationLedger {
  hasMutation(topic: string, mutationId: string): Promise<boolean>;
}

/** What the host passes to `store.write` as meta: the writer and the mutation id. */
export interface HostWriteMeta extends WriteMeta {
  mutationId?: string;
}

export interface BroadcastChannelHostOptions {
  /** Namespaces the channel and every message: two apps on one origin never mix. */
  appId: string;
  source: Source;
  /** Default `state-sync:${appId}`. */
  channelName?: string;
  /** This host's id on the wire. Default: random. */
  id?: string;
  reducer?: Reducer;
  /**
   * Topic → its mutators (`defineMutators`): a `mutate` with a mutator name is applied through
   * core's createMutationHandler, exactly once per (clientId, seq), when the source's store has the
   * `mutations` capability (memory, IndexedDB). Every tab should pass the same mutators.
   */
  mutators?: MutatorsByTopic;
  /**
   * Mutator calls applied at once; beyond it a call is answered `internal` (not a refusal: the
   * client sends it again on the next host change) and counted in `busy`. Default 1,000.
   */
  maxMutationsInFlight?: number;
  /** Default: the store behind `source` is not known, so only an in-memory ledger is used. */
  ledger?: MutationLedger;
  /** Malformed messages of ours and failures while serving. Foreign messages are only counted. */
  onError?: (error: BroadcastChannelError) => void;
  BroadcastChannel?: BroadcastChannelConstructor;
  /**
   * An invalidation carries the whole new state when there is no delta smaller than it and its
   * JSON is at most this many characters. 0 never inlines. Default `DEFAULT_INLINE_BYTES` (32 KiB).
   */
  inlineBytes?: number;
  /** The store behind `source`: its `readSince` answers a `get` with `since` with one delta. */
  store?: Pick<SourceStore, 'readSince'>;
  /**
   * Computes deltas for changes whose source event carries none: pass `diffStates` from
   * `@state-sync/protocol/diff` (about 4.7 KB min+gzip, so it is opt-in). Without it, such a change
   * rides inline (up to `inlineBytes`) or is pulled.
   */
  diff?: DiffFunction;
}

export interface HostMetrics {
  /** Everything that arrived on the channel. */
  received: number;
  /** Not ours (no marker, or another app id): ignored. */
  foreign: number;
  /** Claimed to be ours but failed validation: reported. */
  invalid: number;
  /** Snapshots served. */
  served: number;
  /** Mutations written. */
  mutations: number;
  /** Mutations received again (a resend or a retry after failover) and answered without writing. */
  duplicates: number;
  /** Mutator calls refused (by the mutator, its args schema, or the exactly-once check). */
  rejected: number;
  /** Mutator calls turned away because `maxMutationsInFlight` were already being applied. */
  busy: number;
  /** Invalidations posted with the change on them (a delta or the inline state). */
  pushed: number;
  /** Of those, the ones carrying a delta. */
  deltas: number;
  /** `get` requests with `since` answered with one delta instead of the state. */
  resumed: number;
}

export interface BroadcastChannelHost {
  readonly id: string;
  /** Topics with at least one subscribed client. */
  topics(): string[];
  getMetrics(): HostMetrics;
  /** Stops serving and closes the channel (not the source: the caller owns it). Idempotent. */
  close(): void;
}
