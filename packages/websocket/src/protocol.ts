// The wire protocol lives in @state-sync/protocol, shared by every network transport (one home
// for the message schemas, the delta format and its apply function). This module re-exports what
// @state-sync/websocket always exported, so its public API stays, and adds the two discriminated
// unions it exported. zod/mini tree-shakes, so the browser client carries only what it uses.
import { isRevision } from '@state-sync/core';
import {
  ackMessageSchema,
  helloMessageSchema as anyVersionHelloSchema,
  authMessageSchema,
  epochSchema,
  errorMessageSchema,
  getMessageSchema,
  invalidateMessageSchema,
  isTopicName,
  mutateMessageSchema,
  PROTOCOL_VERSION,
  snapshotMessageSchema,
  subscribeMessageSchema,
  unsubscribeMessageSchema,
} from '@state-sync/protocol';
import * as z from 'zod/mini';

export {
  type AckMessage,
  type AuthMessage,
  ackMessageSchema,
  authMessageSchema,
  type BeaconMessage,
  type ClientMessage,
  clientMessageSchemas,
  commonFeatures,
  type ErrorMessage,
  errorMessageSchema,
  type FrameProblem,
  type GetMessage,
  getMessageSchema,
  type HelloMessage,
  type InvalidateMessage,
  invalidateMessageSchema,
  isTopicName,
  MAX_TOPIC_LENGTH,
  type MutateMessage,
  mutateMessageSchema,
  PROTOCOL_FEATURES,
  PROTOCOL_VERSION,
  type ProtocolFeature,
  parseFrame,
  RESERVED_TOPIC_NAMES,
  type ServerMessage,
  type SnapshotMessage,
  type SubscribeMessage,
  snapshotMessageSchema,
  subscribeMessageSchema,
  topicNameProblem,
  topicNameSchema,
  type UnsubscribeMessage,
  unsubscribeMessageSchema,
} from '@state-sync/protocol';

/**
 * `hello` from a server of this protocol version only: the shared schema parses any version (the
 * transport decides), and this client speaks version 1, so another version is refused by name.
 */
export const helloMessageSchema = /* @__PURE__ */ (() =>
  anyVersionHelloSchema.check(
    z.refine((message) => message.protocol === PROTOCOL_VERSION, {
      message: `protocol version must be ${PROTOCOL_VERSION}`,
      path: ['protocol'],
    }),
  ))();

// Checked by hand, not with z.record (as the shared schema does): zod's record skips a
// `__proto__` key without an issue, so a beacon naming it would arrive one topic short. This
// check sees every own key and refuses names that break the topic rule.
const revisions = /* @__PURE__ */ z.custom<Record<string, string>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(([name, revision]) => isTopicName(name) && isRevision(revision)),
  'revisions must map topic names (see the topic rule) to canonical revisions',
);

export const beaconMessageSchema = /* @__PURE__ */ (() =>
  z.object({ type: z.literal('beacon'), revisions, epoch: epochSchema }))();

/** Server messages by type: the client dispatches on `type` itself (smaller than a union). */
export const serverMessageSchemas = {
  hello: helloMessageSchema,
  invalidate: invalidateMessageSchema,
  snapshot: snapshotMessageSchema,
  beacon: beaconMessageSchema,
  error: errorMessageSchema,
  ack: ackMessageSchema,
} as const;

/** Every server → client message, discriminated by `type`. */
export const serverMessageSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    helloMessageSchema,
    invalidateMessageSchema,
    snapshotMessageSchema,
    beaconMessageSchema,
    errorMessageSchema,
    ackMessageSchema,
  ]))();

/** Every client → server message, discriminated by `type`. */
export const clientMessageSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    authMessageSchema,
    subscribeMessageSchema,
    unsubscribeMessageSchema,
    getMessageSchema,
    mutateMessageSchema,
  ]))();
