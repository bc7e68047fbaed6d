// The wire messages of DESIGN.md's table as zod/mini schemas, for every network transport
// (WebSocket now, HTTP later). Unknown fields are ignored (stripped); unknown types are protocol
// errors. Extensions of DESIGN's table are marked "our extension".
import { compareRevisions } from '@state-sync/core';
import * as z from 'zod/mini';
import type { DeltaLimits } from './delta-ops';
import {
  createDeltaSchema,
  deltaSchema,
  epochSchema,
  positionSchema,
  requestIdSchema,
  revisionSchema,
  topicNameSchema,
} from './fields';

const topic = topicNameSchema;
const revision = revisionSchema;
const epoch = epochSchema;
const id = requestIdSchema;
/** Feature names an end announces; unknown ones are kept (and ignored by `commonFeatures`). */
const features = /* @__PURE__ */ (() =>
  z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(32))))();
/** `(clientId, seq)` names a mutation; the same bounds as core's `createMutationHandler`. */
const clientId = /* @__PURE__ */ (() => z.string().check(z.minLength(1), z.maxLength(128)))();
const seq = /* @__PURE__ */ (() => z.number().check(z.int(), z.positive()))();
/** The last mutation of the asking client the state includes (write path). */
const lastAppliedSeq = /* @__PURE__ */ (() =>
  z.optional(z.number().check(z.int(), z.nonnegative())))();
/** A version number, not a literal: a newer peer's hello parses, and the transport decides. */
const protocol = /* @__PURE__ */ (() => z.number().check(z.int(), z.positive()))();

// ---- server → client ------------------------------------------------------------------------

export const helloMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('hello'),
    protocol,
    epoch,
    heartbeatMs: z.number().check(z.positive()),
    features,
  }))();

type DeltaSchema = ReturnType<typeof createDeltaSchema>;

/**
 * `invalidate` with delta limits other than the defaults. A delta must end at the message's
 * revision and start below it; `delta` and `data` never come together.
 */
export function createInvalidateMessageSchema(limits?: DeltaLimits) {
  const delta: DeltaSchema = limits ? createDeltaSchema(limits) : deltaSchema;
  return z
    .object({
      type: z.literal('invalidate'),
      topic,
      revision,
      epoch,
      sourceId: z.optional(z.string().check(z.maxLength(256))),
      /** The change from `delta.baseRevision` to `revision` (when smaller than the state). */
      delta: z.optional(delta),
      /** The whole state at `revision` (when small); test presence with `'data' in message`. */
      data: z.optional(z.unknown()),
      /** Write path: this revision applied that client's mutation (its optimistic view drops it). */
      mutation: z.optional(z.object({ clientId, seq })),
    })
    .check(
      z.refine((message) => !(message.delta !== undefined && 'data' in message), {
        message: 'an invalidate carries delta or data, not both',
      }),
      z.refine(
        (message) =>
          message.delta === undefined ||
          compareRevisions(message.delta.baseRevision, message.revision) < 0,
        { message: 'delta.baseRevision must be below the revision', path: ['delta'] },
      ),
    );
}

export const invalidateMessageSchema = /* @__PURE__ */ createInvalidateMessageSchema();

/**
 * `snapshot`, the answer to `get`: `data` (the state at `revision`), or — our extension, only
 * for a `get` with `since` — `delta` from the client's revision to `revision`. Exactly one.
 */
export function createSnapshotMessageSchema(limits?: DeltaLimits) {
  const delta: DeltaSchema = limits ? createDeltaSchema(limits) : deltaSchema;
  return z
    .object({
      type: z.literal('snapshot'),
      id,
      topic,
      revision,
      epoch,
      data: z.optional(z.unknown()),
      delta: z.optional(delta),
      /** Write path: the asking client's last mutation this state includes (`get` with clientId). */
      lastAppliedSeq,
    })
    .check(
      z.refine((message) => (message.delta !== undefined) !== 'data' in message, {
        message: 'a snapshot carries data or (answering since) delta: exactly one of them',
      }),
      z.refine(
        (message) =>
          message.delta === undefined ||
          compareRevisions(message.delta.baseRevision, message.revision) < 0,
        { message: 'delta.baseRevision must be below the revision', path: ['delta'] },
      ),
    );
}

export const snapshotMessageSchema = /* @__PURE__ */ createSnapshotMessageSchema();

export const beaconMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('beacon'),
    revisions: z.record(topic, revision),
    epoch,
  }))();

export const errorMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('error'),
    id: z.optional(id),
    /** Our extension: the topic a `subscribe` was refused for (no id to match it by). */
    topic: z.optional(topic),
    code: z.string().check(z.maxLength(64)),
    message: z.string().check(z.maxLength(4096)),
    /** Write path: the mutation was refused for good (a `MutationRejected`): do not resend it. */
    rejected: z.optional(z.boolean()),
  }))();

/** Our extension: the answer to a successful `mutate`. */
export const ackMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('ack'),
    id,
    revision: z.optional(revision),
    /** Write path (a mutate with clientId/seq): the epoch of `revision`. */
    epoch: z.optional(epoch),
    /** Write path: the client's last processed mutation (this one, or a later one when a resend). */
    lastAppliedSeq,
    /** Write path: a resend of a mutation already applied; not applied again. */
    duplicate: z.optional(z.boolean()),
  }))();

/** Server messages by type: a client dispatches on `type` itself (smaller than a union). */
export const serverMessageSchemas = {
  hello: helloMessageSchema,
  invalidate: invalidateMessageSchema,
  snapshot: snapshotMessageSchema,
  beacon: beaconMessageSchema,
  error: errorMessageSchema,
  ack: ackMessageSchema,
} as const;

// ---- client → server ------------------------------------------------------------------------

export const authMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('auth'),
    /** Absent when the credentials travel in the URL, a cookie or a subprotocol. */
    token: z.optional(z.string().check(z.maxLength(8192))),
    /** The client's protocol version; absent from clients older than feature announcement. */
    protocol: z.optional(protocol),
    /** What the client understands (`PROTOCOL_FEATURES`); absent: nothing beyond pulling. */
    features,
  }))();

const topics = /* @__PURE__ */ (() => z.array(topic).check(z.maxLength(1000)))();

export const subscribeMessageSchema = /* @__PURE__ */ (() =>
  z.object({ type: z.literal('subscribe'), topics }))();

export const unsubscribeMessageSchema = /* @__PURE__ */ (() =>
  z.object({ type: z.literal('unsubscribe'), topics }))();

export const getMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('get'),
    id,
    topic,
    /** Resume: where the client stands; the answer may then be a delta from there. */
    since: z.optional(positionSchema),
    /** Write path: ask for this client's `lastAppliedSeq` with the state. */
    clientId: z.optional(clientId),
  }))();

/**
 * `mutate`: DESIGN's mutator form `{ name, args }`, or today's free-form `op` (exactly one).
 * `clientId` + `seq` (together or not at all) make a resent mutation apply once.
 */
export const mutateMessageSchema = /* @__PURE__ */ (() =>
  z
    .object({
      type: z.literal('mutate'),
      id,
      topic,
      baseRevision: z.optional(revision),
      name: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
      args: z.optional(z.unknown()),
      op: z.optional(z.unknown()),
      clientId: z.optional(clientId),
      seq: z.optional(seq),
    })
    .check(
      z.refine((message) => (message.name !== undefined) !== 'op' in message, {
        message: 'a mutate carries a mutator name (with args) or an op: exactly one',
      }),
      z.refine((message) => (message.clientId === undefined) === (message.seq === undefined), {
        message: 'clientId and seq come together',
      }),
    ))();

/** Client messages by type, for a server's dispatch. */
export const clientMessageSchemas = {
  auth: authMessageSchema,
  subscribe: subscribeMessageSchema,
  unsubscribe: unsubscribeMessageSchema,
  get: getMessageSchema,
  mutate: mutateMessageSchema,
} as const;

export type HelloMessage = z.infer<typeof helloMessageSchema>;
export type InvalidateMessage = z.infer<typeof invalidateMessageSchema>;
export type SnapshotMessage = z.infer<typeof snapshotMessageSchema>;
export type BeaconMessage = z.infer<typeof beaconMessageSchema>;
export type ErrorMessage = z.infer<typeof errorMessageSchema>;
export type AckMessage = z.infer<typeof ackMessageSchema>;
export type ServerMessage = {
  [K in keyof typeof serverMessageSchemas]: z.infer<(typeof serverMessageSchemas)[K]>;
}[keyof typeof serverMessageSchemas];
export type AuthMessage = z.infer<typeof authMessageSchema>;
export type SubscribeMessage = z.infer<typeof subscribeMessageSchema>;
export type UnsubscribeMessage = z.infer<typeof unsubscribeMessageSchema>;
export type GetMessage = z.infer<typeof getMessageSchema>;
export type MutateMessage = z.infer<typeof mutateMessageSchema>;
export type ClientMessage = {
  [K in keyof typeof clientMessageSchemas]: z.infer<(typeof clientMessageSchemas)[K]>;
}[keyof typeof clientMessageSchemas];
