// What every network transport's client has in common: its status, the reconnect options and the
// options that mean the same on each. A transport's options extend `TransportClientOptions` with
// its own (URL, socket or fetch, timeouts, push) and fill in the defaults documented here.
import type { RevisionSyncOptions } from '@state-sync/core';

export type ClientStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ReconnectOptions {
  /** First delay after a drop; doubles per failed attempt. Default 250 ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Fraction of each delay drawn at random, 0…1. Default 0.5. */
  jitter?: number;
}

export interface TransportClientOptions<E extends Error = Error> {
  reconnect?: ReconnectOptions;
  /** Every problem: bad frames, server errors, drops. Never throws into your code. */
  onError?: (error: E) => void;
  onStatus?: (status: ClientStatus) => void;
  /** Pull on the browser's `online` and `visibilitychange` → visible. Default true. */
  browserEvents?: boolean;
  /** Randomness for the backoff jitter, injectable for tests. Default Math.random. */
  random?: () => number;
}

export interface MutateOptions {
  /** Sent as `baseRevision`; your `onMutate` can refuse a write based on a stale view. */
  baseRevision?: string;
  signal?: AbortSignal;
}

export type SyncTopicOptions<T> = Omit<RevisionSyncOptions<T>, 'topic' | 'subscriber' | 'provider'>;
