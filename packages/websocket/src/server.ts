// @state-sync/websocket/server: the Node end, on `ws`. Import it only in server code.

export type { SyncConnection } from './connection';
export {
  isStateSyncWebSocketError,
  StateSyncWebSocketError,
  type StateSyncWebSocketErrorCode,
} from './errors';
export type { ServerMetrics } from './server-metrics';
export {
  CLOSE_CODES,
  type MutateContext,
  type RateLimitOptions,
  SERVER_DEFAULTS,
  type SyncServerOptions,
} from './server-options';
export { createSyncServer, type SyncServer } from './sync-server';
