export type { ConnectionState } from './connections';
export { isStateSyncRedisError, StateSyncRedisError, type StateSyncRedisErrorCode } from './errors';
export type { KeyLayout } from './keys';
export type { RedisStoreMetrics } from './metrics';
export type { RedisStoreOptions } from './options';
export { createRedisStore, type RedisStore } from './redis-store';
