// Every bound of the store in one place, with its default, validated once at creation.
import type { RedisClientOptions } from '@redis/client';
import {
  type DeltaLogOptions,
  type MutationMemoryOptions,
  resolveDeltaLogOptions,
  resolveMutationMemoryOptions,
} from '@state-sync/core';
import { StateSyncRedisError } from './errors';

export interface RedisStoreOptions {
  /** `redis://…` or `rediss://…`. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Passed to node-redis `createClient` for both connections (TLS, auth, socket options…). */
  clientOptions?: RedisClientOptions;
  /** Namespace of every key and of the pub/sub channel: one per app on a shared Redis. Default `state-sync`. */
  prefix?: string;
  /**
   * Bounds of each topic's delta log, kept in Redis: `maxEntries` (default 100; 0 keeps none) and
   * `maxBytes` (UTF-8 bytes of the deltas' JSON, default 1 MiB). Oldest entries go first.
   */
  deltaLog?: DeltaLogOptions;
  /**
   * Bounds of the exactly-once mutation records: each client's record expires (PX) `ttlMs` after
   * its last update (default 7 days); beyond `maxClients` (default 10 000) the least recently
   * updated is deleted. Forgotten clients are counted in `clientsEvicted`.
   */
  mutations?: MutationMemoryOptions;
  /** A write's ops ride on the pub/sub invalidation when their JSON is at most this. Default 16 KiB. */
  maxPublishDeltaBytes?: number;
  /**
   * Topics whose revision this node remembers for the anti-entropy pass after a pub/sub reconnect
   * (the topics it read or wrote, most recent first). Default 10 000; beyond it the least recently
   * used is forgotten (counted in `watchedTopicsEvicted`) and only beacons cover it.
   */
  maxWatchedTopics?: number;
  /** Commands waiting for Redis on the command connection; beyond it calls fail with `overloaded`. Default 10 000. */
  maxPendingCommands?: number;
  /** A command unanswered after this fails with `timeout`. Default 5 000 ms. */
  commandTimeoutMs?: number;
  /** Pub/sub messages larger than this are rejected as `invalid_message`. Default 1 MiB. */
  maxMessageBytes?: number;
  /**
   * Backoff of both connections while Redis is away: attempt n waits
   * min(baseDelayMs · 2^(n-1), maxDelayMs) plus up to baseDelayMs of jitter. Default 50 / 2 000 ms.
   */
  reconnect?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Everything that goes wrong in the background: lost connections, bad messages, throwing listeners. */
  onError?: (error: StateSyncRedisError) => void;
}

export interface ResolvedOptions {
  url: string;
  clientOptions: RedisClientOptions;
  prefix: string;
  maxLogEntries: number;
  maxLogBytes: number;
  mutationMaxClients: number;
  mutationTtlMs: number;
  maxPublishDeltaBytes: number;
  maxWatchedTopics: number;
  maxPendingCommands: number;
  commandTimeoutMs: number;
  maxMessageBytes: number;
  reconnectBaseDelayMs: number;
  maxReconnectDelayMs: number;
  onError: (error: StateSyncRedisError) => void;
}

export const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  prefix: 'state-sync',
  maxPublishDeltaBytes: 16 * 1024,
  maxWatchedTopics: 10_000,
  maxPendingCommands: 10_000,
  commandTimeoutMs: 5_000,
  maxMessageBytes: 1024 * 1024,
  reconnectBaseDelayMs: 50,
  maxReconnectDelayMs: 2_000,
} as const;

type NumericOption = Exclude<
  {
    [K in keyof ResolvedOptions]: ResolvedOptions[K] extends number ? K : never;
  }[keyof ResolvedOptions],
  undefined
>;

export function resolveOptions(options: RedisStoreOptions = {}): ResolvedOptions {
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string' || prefix === '' || /[\s{}]/.test(prefix)) {
    throw new StateSyncRedisError(
      'invalid_argument',
      `prefix ${JSON.stringify(String(prefix).slice(0, 40))} must be a non-empty string without spaces or braces (braces would move every key into one cluster slot)`,
    );
  }
  // The delta log bounds are core's (same defaults and checks as every store that ships).
  const log = resolveDeltaLogOptions(options.deltaLog);
  const mutations = resolveMutationMemoryOptions(options.mutations);
  const resolved: ResolvedOptions = {
    url: options.url ?? DEFAULTS.url,
    clientOptions: options.clientOptions ?? {},
    prefix,
    maxLogEntries: log.maxEntries,
    maxLogBytes: log.maxBytes,
    mutationMaxClients: mutations.maxClients,
    mutationTtlMs: mutations.ttlMs,
    maxPublishDeltaBytes: options.maxPublishDeltaBytes ?? DEFAULTS.maxPublishDeltaBytes,
    maxWatchedTopics: options.maxWatchedTopics ?? DEFAULTS.maxWatchedTopics,
    maxPendingCommands: options.maxPendingCommands ?? DEFAULTS.maxPendingCommands,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
    reconnectBaseDelayMs: options.reconnect?.baseDelayMs ?? DEFAULTS.reconnectBaseDelayMs,
    maxReconnectDelayMs: options.reconnect?.maxDelayMs ?? DEFAULTS.maxReconnectDelayMs,
    onError: options.onError ?? (() => {}),
  };
  const mayBeZero: NumericOption[] = ['maxPublishDeltaBytes'];
  const numeric: NumericOption[] = [
    ...mayBeZero,
    'maxWatchedTopics',
    'maxPendingCommands',
    'commandTimeoutMs',
    'maxMessageBytes',
    'reconnectBaseDelayMs',
    'maxReconnectDelayMs',
  ];
  for (const name of numeric) {
    const value = resolved[name];
    const min = mayBeZero.includes(name) ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new StateSyncRedisError(
        'invalid_argument',
        `${name} must be an integer >= ${min}, got ${String(value)}`,
      );
    }
  }
  if (typeof resolved.onError !== 'function') {
    throw new StateSyncRedisError('invalid_argument', 'onError must be a function');
  }
  return resolved;
}
