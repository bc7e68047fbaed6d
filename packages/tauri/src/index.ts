export { isTauriSyncError, TauriSyncError, type TauriSyncErrorCode } from './errors';
export {
  createTauriMutations,
  DEFAULT_MUTATION_COMMAND,
  type TauriMutationMetrics,
  type TauriMutations,
  type TauriMutationsOptions,
} from './mutations';
export { createTauriProvider, type TauriProviderOptions } from './provider';
export { createTauriRevisionSync, type TauriRevisionSyncOptions } from './revision-sync';
export {
  createTauriSubscriber,
  type TauriSubscriber,
  type TauriSubscriberOptions,
} from './subscriber';
export { DEFAULT_COMMAND, DEFAULT_EVENT, type TauriInvoke, type TauriListen } from './tauri-api';
