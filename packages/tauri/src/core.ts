// Every runtime import from @state-sync/core goes through this file, so the build has one import
// statement (one `require` in CJS) instead of one per source file: bytes in every window's bundle.
export {
  assertArgument,
  createOptimisticQueue,
  createRevisionSync,
  isNonEmptyString,
  isRevision,
  MutationRejected,
  StateSyncError,
} from '@state-sync/core';
