// One text frame in, one validated message or one named problem out: the intake of every
// network transport. Never throws, whatever the frame holds.
import type * as z from 'zod/mini';
import { requestIdSchema } from './fields';

type SchemaMap = Record<string, z.ZodMiniType>;
type MessageOf<M extends SchemaMap> = { [K in keyof M]: z.infer<M[K]> }[keyof M];

/** Why a frame was refused: `invalid_topic` when a topic field breaks the topic rule. */
export type FrameProblem = {
  ok: false;
  problem: string;
  code: 'bad_request' | 'invalid_topic';
  /** The request id of a refused `get`/`mutate`, so its sender can fail it at once. */
  id?: string;
};

/**
 * Hand-written checks by message type (`serverFrameChecks`): one that returns true for a value
 * vouches that the type's schema accepts it and returns it unchanged, so the schema is skipped.
 */
export type FastChecks<M extends SchemaMap> = { [K in keyof M]?: (value: unknown) => boolean };

/**
 * Parses one text frame against the schema of its `type` (`serverMessageSchemas`,
 * `clientMessageSchemas`), trying the type's `fast` check first when there is one.
 */
export function parseFrame<M extends SchemaMap>(
  schemas: M,
  frame: unknown,
  fast?: FastChecks<M>,
): { ok: true; message: MessageOf<M> } | FrameProblem {
  if (typeof frame !== 'string')
    return { ok: false, problem: 'frame is not text', code: 'bad_request' };
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return {
      ok: false,
      problem: `frame is not JSON: ${JSON.stringify(frame.slice(0, 40))}`,
      code: 'bad_request',
    };
  }
  const type = (value as { type?: unknown } | null)?.type;
  const named = typeof type === 'string';
  // The fast check first: one that vouches for a value implies its type's schema (FastChecks),
  // so the hottest frame costs one own-property test, not two.
  if (named && fast && Object.hasOwn(fast, type) && fast[type as keyof M]?.(value))
    return { ok: true, message: value as MessageOf<M> };
  const schema = named && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) {
    return {
      ok: false,
      problem: `unknown message type ${JSON.stringify(String(type).slice(0, 20))}`,
      code: 'bad_request',
    };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data as MessageOf<M> };
  const issue = result.error.issues[0];
  const requestId = (value as { id?: unknown }).id;
  return {
    ...(requestIdSchema.safeParse(requestId).success ? { id: requestId as string } : {}),
    ok: false,
    problem: `message "${type}" rejected at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    code: issue !== undefined && isTopicIssue(issue) ? 'invalid_topic' : 'bad_request',
  };
}

/** A string in a topic field (`topic`, one of `topics`, a beacon key) that breaks the topic rule. */
function isTopicIssue(issue: { path: readonly PropertyKey[]; code?: string }): boolean {
  const [field] = issue.path;
  if (field === 'revisions') return issue.code === 'invalid_key';
  return (
    issue.code === 'custom' &&
    (field === 'topic' || (field === 'topics' && issue.path.length === 2))
  );
}
