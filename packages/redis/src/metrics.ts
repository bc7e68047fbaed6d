export interface RedisStoreMetrics {
  /** Writes that landed. */
  writes: number;
  /** Compare-and-set writes refused because another writer got there first. */
  conflicts: number;
  /** Pub/sub messages received on our channel. */
  messagesReceived: number;
  /** Messages rejected (bad JSON, failed the schema, larger than maxMessageBytes). */
  invalidMessages: number;
  /** Invalidations of an epoch that is no longer Redis's, dropped. */
  staleMessages: number;
  /** Times this node saw the epoch change (Redis lost its data). */
  epochChanges: number;
  /** Anti-entropy passes completed after a (re)subscribe. */
  antiEntropyPasses: number;
  /** Invalidations the anti-entropy passes emitted (changes pub/sub had lost). */
  antiEntropyEmitted: number;
  /** Topics forgotten because maxWatchedTopics was reached. */
  watchedTopicsEvicted: number;
  /** Topics remembered right now. */
  watchedTopics: number;
  /** Listeners that threw. */
  listenerErrors: number;
  /** Delta log entries dropped: by the count or byte bound, or by a write without a delta. */
  deltasEvicted: number;
  /** Clients whose last mutation this node's writes forgot: by mutations.maxClients or the TTL. */
  clientsEvicted: number;
}

export function createMetrics(): RedisStoreMetrics {
  return {
    writes: 0,
    conflicts: 0,
    messagesReceived: 0,
    invalidMessages: 0,
    staleMessages: 0,
    epochChanges: 0,
    antiEntropyPasses: 0,
    antiEntropyEmitted: 0,
    watchedTopicsEvicted: 0,
    watchedTopics: 0,
    listenerErrors: 0,
    deltasEvicted: 0,
    clientsEvicted: 0,
  };
}
