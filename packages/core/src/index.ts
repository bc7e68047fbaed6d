export { createRevisionSync } from './engine';
export {
  assertArgument,
  isNonEmptyString,
  isStateSyncError,
  StateSyncError,
  type StateSyncErrorCode,
} from './errors';
export { type ConsoleLoggerOptions, createConsoleLogger, type Logger, noopLogger } from './logger';
export {
  createMemoryStore,
  type MemoryStore,
  type MemoryStoreOptions,
  randomId,
} from './memory-store';
export { createMemoryTransport, type MemoryTransport } from './memory-transport';
export {
  createMutationHandler,
  type MutationAck,
  type MutationHandler,
  type MutationHandlerOptions,
  type MutationRequest,
  type MutationSnapshot,
  scopedClientId,
  unscopedClientId,
} from './mutation-handler';
export {
  defineMutators,
  type MutateFn,
  MutationRejected,
  type MutatorArgs,
  type MutatorContext,
  type MutatorDefinition,
  type MutatorState,
  type Mutators,
  type MutatorsByTopic,
} from './mutators';
export {
  createOptimisticQueue,
  type OptimisticApplier,
  type OptimisticQueue,
  type OptimisticQueueOptions,
  type PendingMutation,
} from './optimistic-queue';
export type { OutboxOptions } from './outbox';
export {
  assertRevision,
  compareRevisions,
  isRevision,
  MAX_REVISION,
  nextRevision,
  type Revision,
  ZERO_REVISION,
} from './revision';
export {
  createSource,
  type SetOptions,
  type Source,
  type SourceOptions,
  type SourceTopic,
  type UpdateOptions,
} from './source';
export type { StandardSchemaV1 } from './standard-schema';
export {
  type DeltaEntry,
  type DeltaLogOptions,
  deltaLogTail,
  type MutationMark,
  type MutationMemoryOptions,
  type MutationRecord,
  type MutationRejection,
  resolveDeltaLogOptions,
  resolveMutationMemoryOptions,
  type SourceStore,
  type StoreMetrics,
  serializeDelta,
  type TopicRecord,
  utf8Length,
  type WriteMeta,
} from './store';
export type {
  ApplyListener,
  ConnectivityEvent,
  InvalidationEvent,
  InvalidationSubscriber,
  RefreshReason,
  ResyncEvent,
  RevisionSyncHandle,
  RevisionSyncOptions,
  SnapshotApplier,
  SnapshotContext,
  SnapshotEnvelope,
  SnapshotProvider,
  StatusInfo,
  StatusListener,
  SyncErrorContext,
  SyncMetrics,
  SyncPhase,
  SyncSnapshotProvider,
  SyncStatus,
} from './types';
export { type AppliedSource, whenApplied } from './when-applied';
export { type RetryPolicy, retryDelay, withRetry } from './with-retry';
export { withThrottle } from './with-throttle';
