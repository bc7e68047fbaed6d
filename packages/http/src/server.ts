// @state-sync/http/server: the Fetch API handler and the node:http adapter. Server code only.
export type { CorsOptions } from './cors';
export {
  isStateSyncHttpError,
  StateSyncHttpError,
  type StateSyncHttpErrorCode,
} from './errors';
export type { EventStreamInfo } from './event-hub';
export { createHttpSyncHandler, type HttpSyncHandler, type HttpSyncMetrics } from './handler';
export { type NodeListenerOptions, toNodeListener } from './node-adapter';
export type { HttpSyncHandlerOptions, MutateContext } from './options';
export { entityTag } from './snapshot-route';
