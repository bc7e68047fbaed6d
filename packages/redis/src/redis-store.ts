// createRedisStore: a SourceStore shared by many server nodes. Writes are one Lua script each
// (compare-and-set, data, delta log, PUBLISH: topic-commands.ts); the subscriber connection turns
// other nodes' writes into invalidations (pubsub-intake.ts) and, after every reconnect, the node
// re-reads what it watches (anti-entropy.ts). This file wires those parts.
import type {
  DeltaEntry,
  InvalidationEvent,
  MutationRecord,
  Revision,
  SourceStore,
  StoreMetrics,
} from '@state-sync/core';
import { antiEntropyPass, createAntiEntropy } from './anti-entropy';
import { type ConnectionState, createConnections } from './connections';
import { createEpochTracker } from './epoch';
import { StateSyncRedisError } from './errors';
import { type KeyLayout, keyLayout } from './keys';
import { createMetrics, type RedisStoreMetrics } from './metrics';
import { createMutationCommands } from './mutations';
import type { NodeContext } from './node-context';
import { type RedisStoreOptions, resolveOptions } from './options';
import { subscribeIntake } from './pubsub-intake';
import { createTopicCommands } from './topic-commands';
import { createWatchedTopics } from './watched-topics';

export interface RedisStore extends SourceStore {
  readSince(topic: string, epoch: string, revision: Revision): Promise<DeltaEntry[] | undefined>;
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
  lastMutation(clientId: string): Promise<MutationRecord | undefined>;
  recordMutation(clientId: string, record: MutationRecord): Promise<boolean>;
  /** Resolves once both connections are up, the channel subscribed and the first pass done. */
  ready(): Promise<void>;
  /** Connection states: `ready`, or `connecting`/`reconnecting` while Redis is away. */
  status(): { command: ConnectionState; subscriber: ConnectionState };
  getMetrics(): RedisStoreMetrics & StoreMetrics;
  /** The keys and channel this store uses. */
  readonly keys: KeyLayout;
  /** Settles when no anti-entropy pass is running (tests, diagnostics). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export function createRedisStore(options: RedisStoreOptions = {}): RedisStore {
  const config = resolveOptions(options);
  const keys = keyLayout(config.prefix);
  const metrics = createMetrics();
  const watched = createWatchedTopics(config.maxWatchedTopics);
  const listeners = new Set<(event: InvalidationEvent) => void>();
  let closed = false;

  const report = (error: StateSyncRedisError) => {
    try {
      config.onError(error);
    } catch {
      // an onError that throws must not break the intake
    }
  };
  const emit = (event: InvalidationEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener({ ...event });
      } catch (cause) {
        metrics.listenerErrors++;
        const message = `a listener threw on "${event.topic}"`;
        report(new StateSyncRedisError('listener_failed', message, { cause, topic: event.topic }));
      }
    }
  };
  const connections = createConnections({
    url: config.url,
    clientOptions: config.clientOptions,
    name: `state-sync:${config.prefix}`,
    maxPendingCommands: config.maxPendingCommands,
    commandTimeoutMs: config.commandTimeoutMs,
    reconnectBaseDelayMs: config.reconnectBaseDelayMs,
    maxReconnectDelayMs: config.maxReconnectDelayMs,
    onError: report,
    onSubscriberReconnected: () => antiEntropy.trigger(),
  });
  const shared = { config, keys, connections, metrics, watched, emit, report };
  const epoch = createEpochTracker(shared);
  const context: NodeContext = { ...shared, epoch: epoch.current, fetchEpoch: epoch.fetch };
  const antiEntropy = createAntiEntropy({
    pass: antiEntropyPass(context),
    maxDelayMs: config.maxReconnectDelayMs,
    onFailure: (cause) =>
      report(
        cause instanceof StateSyncRedisError
          ? cause
          : new StateSyncRedisError('redis_error', 'anti-entropy pass failed', { cause }),
      ),
  });
  const commands = createTopicCommands(context);
  const mutations = createMutationCommands(context);

  const ready = connections
    .ready()
    .then(() => subscribeIntake(context))
    .then(() => {
      // Anything written between our first reads and the subscription is caught here.
      antiEntropy.trigger();
      return antiEntropy.idle();
    });
  ready.catch(() => {});

  return {
    keys,
    getEpoch: () => epoch.fetch(),
    read: commands.read,
    write: commands.write,
    readSince: commands.readSince,
    lastMutation: mutations.lastMutation,
    recordMutation: mutations.recordMutation,
    subscribe(listener) {
      if (typeof listener !== 'function') {
        throw new StateSyncRedisError('invalid_argument', 'listener must be a function');
      }
      const wrapped = (event: InvalidationEvent) => listener(event);
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
    ready: () => ready,
    status: () => connections.state(),
    getMetrics: () => ({
      ...metrics,
      watchedTopics: watched.size,
      watchedTopicsEvicted: watched.evicted,
    }),
    settled: () => antiEntropy.idle(),
    async close() {
      if (closed) return;
      closed = true;
      antiEntropy.stop();
      listeners.clear();
      await connections.close();
    },
  };
}
