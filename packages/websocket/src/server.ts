// @state-sync/websocket/server: the Node end, on `ws`. Import it only in server code.

export {
  isStateSyncWebSocketError,
  StateSyncWebSocketError,
  type StateSyncWebSocketErrorCode,
} from './errors';
export {
  createSyncServer,
  type MutateContext,
  type RateLimitOptions,
  type ServerMetrics,
  type SyncConnection,
  type SyncServer,
  type SyncServerOptions,
} from './sync-server';
