// The client's plain requests: a snapshot GET (revision-addressed when the client knows the
// revision it wants, so caches can answer) and a mutate POST, with their errors mapped to codes.

import { type MutationAck, MutationRejected, type MutationRequest } from '@state-sync/core';
import {
  deltaSchema,
  epochSchema,
  type PulledState,
  revisionSchema,
  topicNameSchema,
} from '@state-sync/protocol';
import * as z from 'zod/mini';
import { StateSyncHttpError, type StateSyncHttpErrorCode, WIRE_ERROR_CODES } from './errors';

const snapshotBodySchema = /* @__PURE__ */ z.object({
  type: z.literal('snapshot'),
  topic: topicNameSchema,
  revision: revisionSchema,
  epoch: epochSchema,
  data: z.optional(z.unknown()),
  /** The answer of a delta URL (`?since=`): the change from `since` to `revision`. */
  delta: z.optional(deltaSchema),
});

const ackBodySchema = /* @__PURE__ */ z.object({
  type: z.literal('ack'),
  revision: z.optional(revisionSchema),
  epoch: z.optional(epochSchema),
  lastAppliedSeq: z.optional(z.number().check(z.int(), z.nonnegative())),
  duplicate: z.optional(z.boolean()),
});

const rejectionSchema = /* @__PURE__ */ z.object({
  code: z.string().check(z.maxLength(64)),
  message: z.string().check(z.maxLength(4096)),
  rejected: z.literal(true),
});

export type Position = { epoch: string; revision: string };

export interface RequestContext {
  fetch: typeof fetch;
  base: string;
  headers(): Promise<Record<string, string>>;
  credentials: RequestCredentials | undefined;
  timeoutMs: number;
}

export function stateUrl(base: string, topic: string, at?: Position, since?: string): string {
  const path = `${base}/state/${encodeURIComponent(topic)}`;
  if (!at) return path;
  return `${path}?e=${encodeURIComponent(at.epoch)}&r=${at.revision}${since ? `&since=${since}` : ''}`;
}

/** `"epoch:revision"`, the epoch percent-encoded so any epoch makes a valid entity tag. */
export function entityTag(epoch: string, revision: string): string {
  return `"${encodeURIComponent(epoch)}:${revision}"`;
}

/** Runs `run` with a signal that aborts on `signal` or after `timeoutMs`, mapping both. */
async function withTimeout<T>(
  what: string,
  topic: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = globalThis.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    return await run(controller.signal);
  } catch (cause) {
    if (cause instanceof StateSyncHttpError || cause instanceof MutationRejected) throw cause;
    if (timedOut)
      throw new StateSyncHttpError('timeout', `no answer to ${what} within ${timeoutMs} ms`, {
        topic,
      });
    if (signal?.aborted)
      throw new StateSyncHttpError('aborted', `${what} aborted`, { topic, cause: signal.reason });
    throw new StateSyncHttpError('disconnected', `${what} failed: the request did not complete`, {
      topic,
      cause,
    });
  } finally {
    globalThis.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The error a non-2xx answer stands for: its `code` when the body names a known one. */
export async function errorOf(
  response: Response,
  what: string,
  topic?: string,
): Promise<StateSyncHttpError> {
  let code: StateSyncHttpErrorCode = 'server_error';
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { code?: unknown; message?: unknown };
    if ((WIRE_ERROR_CODES as readonly unknown[]).includes(body.code))
      code = body.code as StateSyncHttpErrorCode;
    if (typeof body.message === 'string') message = `${body.code}: ${body.message.slice(0, 500)}`;
  } catch {
    // not our JSON (a proxy's error page): the status says enough
  }
  if (code === 'server_error' && response.status === 401) code = 'unauthorized';
  if (code === 'server_error' && response.status === 403) code = 'forbidden';
  return new StateSyncHttpError(code, `${what}: server: ${message}`, {
    status: response.status,
    ...(topic === undefined ? {} : { topic }),
  });
}

/**
 * GETs the snapshot of `topic`: at `at` (revision-addressed), at `at` as the delta from
 * `mode.since`, or the plain URL conditional on `mode.ifNoneMatch` ('not_modified' on 304).
 */
export async function fetchSnapshot(
  context: RequestContext,
  topic: string,
  at: Position | undefined,
  mode: { since: string } | { ifNoneMatch: Position } | undefined,
  signal: AbortSignal | undefined,
): Promise<PulledState | 'not_modified'> {
  const what = `snapshot of "${topic}"`;
  return withTimeout(what, topic, context.timeoutMs, signal, async (combined) => {
    const headers = await context.headers();
    let url: string;
    if (mode && 'ifNoneMatch' in mode) {
      url = stateUrl(context.base, topic);
      headers['if-none-match'] = entityTag(mode.ifNoneMatch.epoch, mode.ifNoneMatch.revision);
    } else url = stateUrl(context.base, topic, at, mode?.since);
    const response = await context.fetch(url, {
      headers,
      signal: combined,
      ...(mode && 'ifNoneMatch' in mode ? { cache: 'no-store' as const } : {}),
      ...(context.credentials ? { credentials: context.credentials } : {}),
    });
    if (response.status === 304) return 'not_modified';
    if (!response.ok) throw await errorOf(response, what, topic);
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      if (combined.aborted) throw cause;
      throw new StateSyncHttpError('invalid_message', `${what} is not JSON`, { topic, cause });
    }
    const result = snapshotBodySchema.safeParse(body);
    const problem = !result.success
      ? `rejected at ${result.error.issues[0]?.path.join('.') || '(root)'}: ${result.error.issues[0]?.message ?? 'invalid'}`
      : result.data.topic !== topic
        ? `answered for "${result.data.topic}"`
        : (result.data.delta === undefined) === !('data' in result.data)
          ? 'must carry data or delta: exactly one'
          : undefined;
    if (problem || !result.success)
      throw new StateSyncHttpError('invalid_message', `${what} ${problem}`, { topic });
    const { revision, epoch, data, delta } = result.data;
    return delta === undefined ? { revision, epoch, data } : { revision, epoch, delta };
  });
}

export async function postMutate(
  context: RequestContext,
  topic: string,
  op: unknown,
  baseRevision: string | undefined,
  signal: AbortSignal | undefined,
): Promise<{ revision?: string }> {
  const what = `mutate "${topic}"`;
  return withTimeout(what, topic, context.timeoutMs, signal, async (combined) => {
    const response = await context.fetch(`${context.base}/mutate`, {
      method: 'POST',
      headers: { ...(await context.headers()), 'content-type': 'application/json' },
      body: JSON.stringify(
        baseRevision === undefined ? { topic, op } : { topic, op, baseRevision },
      ),
      signal: combined,
      ...(context.credentials ? { credentials: context.credentials } : {}),
    });
    if (!response.ok) throw await errorOf(response, what, topic);
    const result = ackBodySchema.safeParse(await response.json().catch(() => undefined));
    if (!result.success)
      throw new StateSyncHttpError('invalid_message', `${what}: the answer is not an ack`, {
        topic,
      });
    return result.data.revision === undefined ? {} : { revision: result.data.revision };
  });
}

const PERMANENT = [400, 403, 404, 405, 413, 415, 501];

/**
 * `POST …/mutate` with a mutator call: resolves with the ack, rejects with `MutationRejected`
 * when the server refused it for good (`422`, `rejected: true`), else with a StateSyncHttpError
 * (the optimistic queue then resends the same seq).
 */
export async function postMutator(
  context: RequestContext,
  mutation: MutationRequest,
): Promise<MutationAck> {
  const { topic } = mutation;
  const what = `mutate "${topic}" (${String(mutation.name).slice(0, 64)})`;
  return withTimeout(what, topic, context.timeoutMs, undefined, async (combined) => {
    const response = await context.fetch(`${context.base}/mutate`, {
      method: 'POST',
      headers: { ...(await context.headers()), 'content-type': 'application/json' },
      body: JSON.stringify(mutation),
      signal: combined,
      ...(context.credentials ? { credentials: context.credentials } : {}),
    });
    if (response.status === 422) {
      const refusal = rejectionSchema.safeParse(
        await response
          .clone()
          .json()
          .catch(() => 0),
      );
      if (refusal.success) throw new MutationRejected(refusal.data.code, refusal.data.message);
    }
    if (!response.ok) {
      const error = await errorOf(response, what, topic);
      // Sending it again cannot help (malformed, forbidden, no mutators): a refusal for the queue.
      // 401 is not among them: getHeaders may bring a fresh token for the resend.
      if (PERMANENT.includes(response.status))
        throw new MutationRejected(error.code, error.message, { cause: error });
      throw error;
    }
    const result = ackBodySchema.safeParse(await response.json().catch(() => undefined));
    const ack = result.success ? result.data : undefined;
    if (
      !ack ||
      ack.revision === undefined ||
      ack.epoch === undefined ||
      ack.lastAppliedSeq === undefined
    )
      throw new StateSyncHttpError('invalid_message', `${what}: the answer is not a mutator ack`, {
        topic,
      });
    return {
      revision: ack.revision,
      epoch: ack.epoch,
      lastAppliedSeq: ack.lastAppliedSeq,
      ...(ack.duplicate ? { duplicate: true as const } : {}),
    };
  });
}
