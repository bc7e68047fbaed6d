export type { BroadcastChannelConstructor } from './channel';
export {
  type BroadcastChannelClient,
  type BroadcastChannelClientOptions,
  type ClientMetrics,
  type ClientWriteHooks,
  createBroadcastChannelClient,
  type MutateOptions,
} from './client';
export {
  BroadcastChannelError,
  type BroadcastChannelErrorCode,
  isBroadcastChannelError,
} from './errors';
export type {
  BroadcastChannelHost,
  BroadcastChannelHostOptions,
  HostMetrics,
  HostWriteMeta,
  MutationLedger,
  Reducer,
} from './host-api';
export { createBroadcastChannelHost } from './host-mutate';
export { DEFAULT_INLINE_BYTES, type DiffFunction } from './host-push';
export {
  createIndexedDbStore,
  type IndexedDbStore,
  type IndexedDbStoreOptions,
} from './indexeddb-store';
export { createMemoryLocks, type LockManagerLike, type LockRequestOptions } from './locks';
export {
  type BroadcastMessage,
  broadcastMessageSchema,
  defaultChannelName,
  PROTOCOL_MARKER,
  PROTOCOL_VERSION,
} from './protocol';
export type { PushMetrics, PushProviderOptions } from './push';
export { createTabSync, type TabSync, type TabSyncOptions, type TabTopicOptions } from './tab-sync';
export {
  type BroadcastChannelWriteClient,
  createBroadcastChannelWriteClient,
  type WriteOptions,
} from './writes';
export {
  createWriteTabSync,
  type WriteTabSync,
  type WriteTabSyncOptions,
} from './writes-tab';
