// The wire protocol of DESIGN.md as zod schemas, shared by the client and the server. zod/mini
// because it tree-shakes: the browser client carries only the checks it uses.
import { isRevision } from '@state-sync/core';
import * as z from 'zod/mini';

export const PROTOCOL_VERSION = 1;

const topic = z.string().check(
  z.maxLength(256),
  z.refine((t: string) => t.trim() !== '', 'topic must be a non-empty string'),
);
const revision = z
  .string()
  .check(z.refine(isRevision, 'revision must be a canonical decimal u64 string'));
const id = z.string().check(z.minLength(1), z.maxLength(64));
const epoch = z.string().check(z.maxLength(256));

// ---- server → client ------------------------------------------------------------------------

export const helloMessageSchema = z.object({
  type: z.literal('hello'),
  protocol: z.literal(PROTOCOL_VERSION),
  epoch,
  heartbeatMs: z.number().check(z.positive()),
});

export const invalidateMessageSchema = z.object({
  type: z.literal('invalidate'),
  topic,
  revision,
  epoch,
  sourceId: z.optional(z.string()),
});

export const snapshotMessageSchema = z.object({
  type: z.literal('snapshot'),
  id,
  topic,
  revision,
  epoch,
  data: z.unknown(),
});

export const beaconMessageSchema = z.object({
  type: z.literal('beacon'),
  revisions: z.record(topic, revision),
  epoch,
});

export const errorMessageSchema = z.object({
  type: z.literal('error'),
  id: z.optional(id),
  /** Our extension: the topic a `subscribe` was refused for (no id to match it by). */
  topic: z.optional(topic),
  code: z.string(),
  message: z.string(),
});

/** Our extension of DESIGN's table: the answer to a successful `mutate`. */
export const ackMessageSchema = z.object({
  type: z.literal('ack'),
  id,
  revision: z.optional(revision),
});

export const serverMessageSchema = z.discriminatedUnion('type', [
  helloMessageSchema,
  invalidateMessageSchema,
  snapshotMessageSchema,
  beaconMessageSchema,
  errorMessageSchema,
  ackMessageSchema,
]);

// ---- client → server ------------------------------------------------------------------------

export const authMessageSchema = z.object({
  type: z.literal('auth'),
  /** Absent when the credentials travel in the URL, a cookie or a subprotocol. */
  token: z.optional(z.string().check(z.maxLength(8192))),
});

export const subscribeMessageSchema = z.object({
  type: z.literal('subscribe'),
  topics: z.array(topic).check(z.maxLength(1000)),
});

export const unsubscribeMessageSchema = z.object({
  type: z.literal('unsubscribe'),
  topics: z.array(topic).check(z.maxLength(1000)),
});

export const getMessageSchema = z.object({
  type: z.literal('get'),
  id,
  topic,
});

export const mutateMessageSchema = z.object({
  type: z.literal('mutate'),
  id,
  topic,
  baseRevision: z.optional(revision),
  op: z.unknown(),
});

export const clientMessageSchema = z.discriminatedUnion('type', [
  authMessageSchema,
  subscribeMessageSchema,
  unsubscribeMessageSchema,
  getMessageSchema,
  mutateMessageSchema,
]);

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

/** Parses one text frame; returns the message or a problem naming what is wrong. */
export function parseFrame<T>(
  schema: z.ZodMiniType<T>,
  frame: unknown,
): { ok: true; message: T } | { ok: false; problem: string } {
  if (typeof frame !== 'string') return { ok: false, problem: 'frame is not text' };
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, problem: `frame is not JSON: ${JSON.stringify(frame.slice(0, 40))}` };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const type =
    typeof value === 'object' && value && 'type' in value
      ? JSON.stringify(String(value.type).slice(0, 20))
      : 'without a type';
  return {
    ok: false,
    problem: `message ${type} rejected: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'invalid'}`,
  };
}
