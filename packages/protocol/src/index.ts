export { applyDelta } from './apply-delta';
export type {
  ClientStatus,
  MutateOptions,
  ReconnectOptions,
  SyncTopicOptions,
  TransportClientOptions,
} from './client-options';
export { combineDeltas, type DeltaLogEntry } from './combine-deltas';
export {
  type Delta,
  type DeltaLimits,
  type DeltaOp,
  type DeltaProblem,
  deltaOpProblem,
  deltaOpsProblem,
  isDeltaOps,
  MAX_DELTA_OPS,
} from './delta-ops';
export {
  isStateSyncProtocolError,
  StateSyncProtocolError,
  type StateSyncProtocolErrorCode,
} from './errors';
export {
  commonFeatures,
  PROTOCOL_FEATURES,
  PROTOCOL_VERSION,
  type ProtocolFeature,
} from './features';
export {
  createDeltaSchema,
  deltaSchema,
  epochSchema,
  positionSchema,
  requestIdSchema,
  revisionSchema,
  topicNameSchema,
} from './fields';
export { isInvalidateMessage, serverFrameChecks } from './frame-checks';
export { jsonEqual } from './json-equal';
export { jsonLengthExceeds } from './json-length';
export {
  type AckMessage,
  type AuthMessage,
  ackMessageSchema,
  authMessageSchema,
  type BeaconMessage,
  beaconMessageSchema,
  type ClientMessage,
  clientMessageSchemas,
  createInvalidateMessageSchema,
  createSnapshotMessageSchema,
  type ErrorMessage,
  errorMessageSchema,
  type GetMessage,
  getMessageSchema,
  type HelloMessage,
  helloMessageSchema,
  type InvalidateMessage,
  invalidateMessageSchema,
  type MutateMessage,
  mutateMessageSchema,
  type ServerMessage,
  type SnapshotMessage,
  type SubscribeMessage,
  serverMessageSchemas,
  snapshotMessageSchema,
  subscribeMessageSchema,
  type UnsubscribeMessage,
  unsubscribeMessageSchema,
} from './messages';
export { type FastChecks, type FrameProblem, parseFrame } from './parse-frame';
export {
  FORBIDDEN_SEGMENTS,
  formatPointer,
  MAX_POINTER_LENGTH,
  parsePointer,
  pointerProblem,
} from './pointer';
export {
  createPushedStates,
  keepPushed,
  type PulledState,
  type PullState,
  type PushedMessage,
  type PushedProvider,
  type PushedSlot,
  type PushedStates,
  type PushedStatesOptions,
  type PushMetrics,
  type ValidateState,
  validateBySchema,
} from './pushed-states';
export { type ResumeDelta, resumeDelta } from './resume-delta';
export {
  isTopicName,
  MAX_TOPIC_LENGTH,
  RESERVED_TOPIC_NAMES,
  topicNameProblem,
} from './topic';
export { listenForWake } from './wake-events';
