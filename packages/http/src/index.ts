// @state-sync/http: the client (browser-safe) and the error class. The server (a Fetch API
// handler and a node:http adapter) is `@state-sync/http/server`.
export {
  type ClientMetrics,
  type ClientStatus,
  createHttpSyncClient,
  type HttpSyncClient,
  type HttpSyncClientOptions,
  type MutateOptions,
  type ReconnectOptions,
  type SyncTopicOptions,
} from './client';
export {
  isStateSyncHttpError,
  StateSyncHttpError,
  type StateSyncHttpErrorCode,
} from './errors';
