// The wire protocol of DESIGN.md as zod schemas, shared by the client and the server. zod/mini
// because it tree-shakes: the browser client carries only the checks it uses.
import { isRevision } from '@state-sync/core';
import * as z from 'zod/mini';

export const PROTOCOL_VERSION = 1;

// ---- the topic name rule --------------------------------------------------------------------
// One rule, enforced by both ends (the schemas below and the client's `sync(topic)`): a topic is
// 1–256 characters, not blank, and not a name that plain-object code turns into a prototype
// access. `revisions['__proto__'] = r` sets a prototype instead of a key, so such a topic would
// silently vanish from a beacon; `constructor` and `prototype` read inherited members where a
// missing key was meant. These are the three names prototype-pollution guards refuse (lodash,
// Node's own querystring), so we refuse them at the edge rather than trust every map downstream.

export const MAX_TOPIC_LENGTH = 256;

/** Topic names that can never be safe object keys: refused with `invalid_topic`. */
export const RESERVED_TOPIC_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Why `name` is not a valid topic, or undefined when it is. The message names the topic and
 * what to do, so it can travel in an `error` frame as is.
 */
export function topicNameProblem(name: unknown): string | undefined {
  // One expression, short messages: this ships in every browser bundle.
  return typeof name !== 'string' || name.trim() === ''
    ? 'blank topic'
    : name.length > MAX_TOPIC_LENGTH
      ? `topic over ${MAX_TOPIC_LENGTH} chars`
      : RESERVED_TOPIC_NAMES.includes(name)
        ? `reserved topic "${name}" (not a safe key)`
        : undefined;
}

/** True when `name` follows the topic rule (see `topicNameProblem` for why not). */
export function isTopicName(name: unknown): name is string {
  return topicNameProblem(name) === undefined;
}

/** The topic rule as a zod/mini schema: every `topic` field of the protocol uses it. */
export const topicNameSchema = /* @__PURE__ */ z
  .string()
  .check(z.refine(isTopicName, { error: (issue) => topicNameProblem(issue.input) }));

const topic = topicNameSchema;
const revision = /* @__PURE__ */ z
  .string()
  .check(z.refine(isRevision, 'revision must be a canonical decimal u64 string'));
const id = /* @__PURE__ */ z.string().check(z.minLength(1), z.maxLength(64));
const epoch = /* @__PURE__ */ z.string().check(z.maxLength(256));

// ---- server → client ------------------------------------------------------------------------

export const helloMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(PROTOCOL_VERSION),
    epoch,
    heartbeatMs: z.number().check(z.positive()),
  }))();

export const invalidateMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('invalidate'),
    topic,
    revision,
    epoch,
    sourceId: z.optional(z.string()),
  }))();

export const snapshotMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('snapshot'),
    id,
    topic,
    revision,
    epoch,
    data: z.unknown(),
  }))();

// Checked by hand, not with z.record: zod's record skips a `__proto__` key without an issue (it
// would replace the prototype of the object it builds), so a beacon naming it would arrive one
// topic short. This check sees every own key, refuses the reserved names with the topic rule, and
// keeps the parsed object as it is (no copy).
const revisions = /* @__PURE__ */ z.custom<Record<string, string>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(([name, revision]) => isTopicName(name) && isRevision(revision)),
  'revisions must map topic names (see the topic rule) to canonical revisions',
);

export const beaconMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('beacon'),
    revisions,
    epoch,
  }))();

export const errorMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('error'),
    id: z.optional(id),
    /** Our extension: the topic a `subscribe` was refused for (no id to match it by). */
    topic: z.optional(topic),
    code: z.string(),
    message: z.string(),
  }))();

/** Our extension of DESIGN's table: the answer to a successful `mutate`. */
export const ackMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('ack'),
    id,
    revision: z.optional(revision),
  }))();

/** Server messages by type: the client dispatches on `type` itself (smaller than a union). */
export const serverMessageSchemas = {
  hello: helloMessageSchema,
  invalidate: invalidateMessageSchema,
  snapshot: snapshotMessageSchema,
  beacon: beaconMessageSchema,
  error: errorMessageSchema,
  ack: ackMessageSchema,
} as const;

export const serverMessageSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    helloMessageSchema,
    invalidateMessageSchema,
    snapshotMessageSchema,
    beaconMessageSchema,
    errorMessageSchema,
    ackMessageSchema,
  ]))();

// ---- client → server ------------------------------------------------------------------------

export const authMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('auth'),
    /** Absent when the credentials travel in the URL, a cookie or a subprotocol. */
    token: z.optional(z.string().check(z.maxLength(8192))),
  }))();

export const subscribeMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('subscribe'),
    topics: z.array(topic).check(z.maxLength(1000)),
  }))();

export const unsubscribeMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('unsubscribe'),
    topics: z.array(topic).check(z.maxLength(1000)),
  }))();

export const getMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('get'),
    id,
    topic,
  }))();

export const mutateMessageSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.literal('mutate'),
    id,
    topic,
    baseRevision: z.optional(revision),
    op: z.unknown(),
  }))();

export const clientMessageSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    authMessageSchema,
    subscribeMessageSchema,
    unsubscribeMessageSchema,
    getMessageSchema,
    mutateMessageSchema,
  ]))();

/** Client messages by type, for the server's dispatch. */
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
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type AuthMessage = z.infer<typeof authMessageSchema>;
export type SubscribeMessage = z.infer<typeof subscribeMessageSchema>;
export type UnsubscribeMessage = z.infer<typeof unsubscribeMessageSchema>;
export type GetMessage = z.infer<typeof getMessageSchema>;
export type MutateMessage = z.infer<typeof mutateMessageSchema>;
export type ClientMessage = z.infer<typeof clientMessageSchema>;

type SchemaMap = Record<string, z.ZodMiniType>;
type MessageOf<M extends SchemaMap> = { [K in keyof M]: z.infer<M[K]> }[keyof M];

/** Why a frame was refused: `problem` names it; `value` and `issue` when it was JSON of a known type. */
export type FrameProblem = {
  ok: false;
  problem: string;
  value?: unknown;
  issue?: { path: readonly PropertyKey[]; code?: string };
};

/**
 * Parses one text frame against the schema of its `type`; returns the message or a problem that
 * names what is wrong (never throws).
 */
export function parseFrame<M extends SchemaMap>(
  schemas: M,
  frame: unknown,
): { ok: true; message: MessageOf<M> } | FrameProblem {
  if (typeof frame !== 'string') return { ok: false, problem: 'frame is not text' };
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, problem: `frame is not JSON: ${JSON.stringify(frame.slice(0, 40))}` };
  }
  const type = (value as { type?: unknown } | null)?.type;
  const schema =
    typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) {
    return {
      ok: false,
      problem: `unknown message type ${JSON.stringify(String(type).slice(0, 20))}`,
    };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data as MessageOf<M> };
  const issue = result.error.issues[0];
  return {
    ok: false,
    problem: `message "${type}" rejected at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    value,
    issue,
  };
}
