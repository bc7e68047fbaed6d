// What the parts of one store instance (a node) share: its options, keys, connections, counters,
// watched topics, listeners and epoch. Built once by createRedisStore.
import type { InvalidationEvent } from '@state-sync/core';
import type { Connections } from './connections';
import type { StateSyncRedisError } from './errors';
import type { KeyLayout } from './keys';
import type { RedisStoreMetrics } from './metrics';
import type { ResolvedOptions } from './options';
import type { WatchedTopics } from './watched-topics';

export interface NodeContext {
  readonly config: ResolvedOptions;
  readonly keys: KeyLayout;
  readonly connections: Connections;
  readonly metrics: RedisStoreMetrics & { deltasEvicted: number };
  readonly watched: WatchedTopics;
  /** Calls every listener; one that throws is counted and reported, the others still run. */
  emit(event: InvalidationEvent): void;
  report(error: StateSyncRedisError): void;
  /** The epoch last read from Redis (undefined before the first read). */
  epoch(): string | undefined;
  /** Reads (or creates) the epoch in Redis, and announces a change to every watched topic. */
  fetchEpoch(): Promise<string>;
}
