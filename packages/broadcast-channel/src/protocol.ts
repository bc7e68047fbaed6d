// The wire format on the BroadcastChannel: DESIGN.md's messages, each stamped with a protocol
// marker and the app id, validated with zod/mini (the full zod would triple the browser bundle).
import { isRevision } from '@state-sync/core';
import { deltaSchema } from '@state-sync/protocol';
import * as z from 'zod/mini';
import { BroadcastChannelError } from './errors';

/** Every message of ours carries `ss: PROTOCOL_MARKER`; anything else on the channel is foreign. */
export const PROTOCOL_MARKER = 'state-sync';
export const PROTOCOL_VERSION = 1;

const id = z.string().check(z.minLength(1), z.maxLength(200));
const topic = z.string().check(z.refine((value) => value.trim() !== '', 'topic must not be blank'));
const revision = z
  .string()
  .check(z.refine(isRevision, 'revision must be a canonical u64 decimal string'));
const epoch = z.optional(z.string());
/**
 * What an end understands (`PROTOCOL_FEATURES` of @state-sync/protocol: delta, inline, resume).
 * Optional: a tab of an older version announces nothing, and its v1 schema strips the fields it
 * does not know (`delta`, `data` on `invalidate`), so it reads them as plain invalidations.
 */
const features = z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(32)));
/** Write path: `(clientId, seq)` names a mutation, with the bounds of core's createMutationHandler. */
const clientId = z.string().check(z.minLength(1), z.maxLength(128));
// Counts as refinements, not z.int()/z.positive(): those checks cost 1 KB gzip in every tab's bundle.
const count = (min: number, what: string) =>
  z.custom<number>(
    (value) => Number.isSafeInteger(value) && (value as number) >= min,
    `${what} must be an integer of at least ${min}`,
  );
const seq = count(1, 'seq');
/** The asking client's last processed mutation, included in the state this message is about. */
const lastAppliedSeq = z.optional(count(0, 'lastAppliedSeq'));

const header = {
  ss: z.literal(PROTOCOL_MARKER),
  v: z.literal(PROTOCOL_VERSION),
  app: z.string(),
  /** The sending end's id (a host or a client). */
  from: id,
};

/** Host → all: a host just took over; clients resubscribe, resend pending requests and pull. */
export const helloMessage = z.object({ ...header, type: z.literal('hello'), features });
/** Host → all: topic T is at revision R (DESIGN.md `invalidate`). */
export const invalidateMessage = z.object({
  ...header,
  type: z.literal('invalidate'),
  topic,
  revision,
  epoch,
  sourceId: z.optional(z.string()),
  /** The change from `baseRevision` to `revision`, when it is smaller than the state. */
  delta: z.optional(deltaSchema),
  /** The whole new state, when there is no delta and it is at most the host's `inlineBytes`. */
  data: z.optional(z.unknown()),
  /** Write path: this revision applied that client's mutation (its optimistic view drops it). */
  mutation: z.optional(z.object({ clientId, seq })),
});
/** Host → one client: the reply to `get`: `data`, or (to a `get` with `since`) a `delta` from it. */
export const snapshotMessage = z.object({
  ...header,
  type: z.literal('snapshot'),
  to: id,
  id,
  topic,
  revision,
  epoch,
  data: z.optional(z.unknown()),
  delta: z.optional(deltaSchema),
  /** Write path: to a `get` with `clientId`, that client's last mutation this state includes. */
  lastAppliedSeq,
});
/**
 * Host → one client: the reply to `mutate`. To an op, it carries the state written (self-echo
 * without a fetch); to a mutator call, the client's `lastAppliedSeq` (and `duplicate` for a resend
 * applied before) instead: the state arrives with the invalidation.
 */
export const ackMessage = z.object({
  ...header,
  type: z.literal('ack'),
  to: id,
  id,
  topic,
  revision,
  epoch,
  data: z.optional(z.unknown()),
  lastAppliedSeq,
  duplicate: z.optional(z.literal(true)),
});
/** Host → one client: a request failed; `code` is one of WIRE_ERROR_CODES (others read as internal). */
export const errorMessage = z.object({
  ...header,
  type: z.literal('error'),
  to: id,
  id,
  code: z.string().check(z.maxLength(200)),
  message: z.string(),
  /** Write path: the mutator (or its schema) refused the mutation for good: do not resend it. */
  rejected: z.optional(z.literal(true)),
});
/** Client → host: topic interest, so the host only posts invalidations somebody listens to. */
export const subscribeMessage = z.object({
  ...header,
  type: z.literal('subscribe'),
  topics: z.array(topic),
  features,
});
export const unsubscribeMessage = z.object({
  ...header,
  type: z.literal('unsubscribe'),
  topics: z.array(topic),
});
/** Client → host: pull a snapshot; with `since`, the state the client holds (resume). */
export const getMessage = z.object({
  ...header,
  type: z.literal('get'),
  id,
  topic,
  since: z.optional(z.object({ epoch: z.string(), revision })),
  /** Write path: ask for this client's `lastAppliedSeq` with the state. */
  clientId: z.optional(clientId),
});
/**
 * Client → host: the write path. Either a mutator call `{ name, args, clientId, seq }` (applied
 * exactly once per (clientId, seq) by the host's `mutators`), or the escape hatch `op`:
 * `{ type: 'set', data }` or anything the host's reducer knows.
 */
export const mutateMessage = z
  .object({
    ...header,
    type: z.literal('mutate'),
    id,
    topic,
    op: z.optional(z.unknown()),
    baseRevision: z.optional(revision),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    args: z.optional(z.unknown()),
    clientId: z.optional(clientId),
    seq: z.optional(seq),
  })
  .check(
    z.refine((message) => (message.name === undefined) === 'op' in message, {
      message: 'a mutate carries a mutator name (with clientId and seq) or an op: exactly one',
    }),
    z.refine(
      (message) =>
        (message.name === undefined) === (message.clientId === undefined) &&
        (message.clientId === undefined) === (message.seq === undefined),
      { message: 'a mutator call carries name, clientId and seq together' },
    ),
  );

export const broadcastMessageSchema = z.discriminatedUnion('type', [
  helloMessage,
  invalidateMessage,
  snapshotMessage,
  ackMessage,
  errorMessage,
  subscribeMessage,
  unsubscribeMessage,
  getMessage,
  mutateMessage,
]);

export type BroadcastMessage = z.infer<typeof broadcastMessageSchema>;
type Body<M> = M extends unknown ? Omit<M, 'ss' | 'v' | 'app' | 'from'> : never;
/** A message before the header is stamped on. */
export type MessageBody = Body<BroadcastMessage>;

export type Classified =
  | { kind: 'foreign' }
  | { kind: 'invalid'; problem: string }
  | { kind: 'ours'; message: BroadcastMessage };

/**
 * Sorts what arrived on the channel: foreign (not ours, or another app's: ignored and counted),
 * invalid (claims to be ours but is malformed: reported), or a valid message of ours.
 */
export function classify(raw: unknown, appId: string): Classified {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'foreign' };
  const candidate = raw as { ss?: unknown; app?: unknown };
  if (candidate.ss !== PROTOCOL_MARKER || candidate.app !== appId) return { kind: 'foreign' };
  const result = broadcastMessageSchema.safeParse(raw);
  if (result.success) return { kind: 'ours', message: result.data };
  const problem = result.error.issues
    .map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
  return { kind: 'invalid', problem };
}

/** The counters every end of the channel keeps for what it receives. */
export interface IntakeMetrics {
  received: number;
  foreign: number;
  invalid: number;
}

/**
 * Counts what arrived and returns it when it is a valid message of ours. Foreign payloads are
 * ignored; malformed ones of ours are reported, then passed to `onInvalid` (a host still answers
 * a malformed request it can address, rather than letting the sender time out).
 */
export function intake(
  raw: unknown,
  appId: string,
  metrics: IntakeMetrics,
  report: (error: BroadcastChannelError) => void,
  onInvalid?: (problem: string) => void,
): BroadcastMessage | undefined {
  metrics.received++;
  const classified = classify(raw, appId);
  if (classified.kind === 'ours') return classified.message;
  if (classified.kind === 'foreign') {
    metrics.foreign++;
    return undefined;
  }
  metrics.invalid++;
  report(new BroadcastChannelError('invalid_message', `rejected a message: ${classified.problem}`));
  onInvalid?.(classified.problem);
  return undefined;
}

export function stamp(body: MessageBody, appId: string, from: string): BroadcastMessage {
  return {
    ss: PROTOCOL_MARKER,
    v: PROTOCOL_VERSION,
    app: appId,
    from,
    ...body,
  } as BroadcastMessage;
}

/** The channel name used when none is given: one channel per app id. */
export const defaultChannelName = (appId: string): string => `state-sync:${appId}`;

export function assertAppId(appId: unknown, where: string): asserts appId is string {
  if (typeof appId !== 'string' || appId.trim() === '') {
    throw new BroadcastChannelError(
      'invalid_argument',
      `${where}: appId must be a non-empty string`,
    );
  }
}

export function assertTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic.trim() === '') {
    throw new BroadcastChannelError(
      'invalid_argument',
      `topic ${JSON.stringify(topic)} must be a non-empty string`,
    );
  }
}
