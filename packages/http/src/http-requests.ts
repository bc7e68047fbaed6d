// The client's plain requests: a snapshot GET (revision-addressed when the client knows the
// revision it wants, so caches can answer) and a mutate POST, with their errors mapped to codes.
import type { SnapshotEnvelope } from '@state-sync/core';
import { epochSchema, revisionSchema, topicNameSchema } from '@state-sync/protocol';
import * as z from 'zod/mini';
import { StateSyncHttpError, type StateSyncHttpErrorCode, WIRE_ERROR_CODES } from './errors';

const snapshotBodySchema = /* @__PURE__ */ z.object({
  type: z.literal('snapshot'),
  topic: topicNameSchema,
  revision: revisionSchema,
  epoch: epochSchema,
  data: z.unknown(),
});

const ackBodySchema = /* @__PURE__ */ z.object({
  type: z.literal('ack'),
  revision: z.optional(revisionSchema),
});

export type Position = { epoch: string; revision: string };

export interface RequestContext {
  fetch: typeof fetch;
  base: string;
  headers(): Promise<Record<string, string>>;
  credentials: RequestCredentials | undefined;
  timeoutMs: number;
}

export function stateUrl(base: string, topic: string, at?: Position): string {
  const path = `${base}/state/${encodeURIComponent(topic)}`;
  return at ? `${path}?e=${encodeURIComponent(at.epoch)}&r=${at.revision}` : path;
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
    if (cause instanceof StateSyncHttpError) throw cause;
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

export async function fetchSnapshot<T>(
  context: RequestContext,
  topic: string,
  at: Position | undefined,
  signal: AbortSignal | undefined,
): Promise<SnapshotEnvelope<T>> {
  const what = `snapshot of "${topic}"`;
  return withTimeout(what, topic, context.timeoutMs, signal, async (combined) => {
    const response = await context.fetch(stateUrl(context.base, topic, at), {
      headers: await context.headers(),
      signal: combined,
      ...(context.credentials ? { credentials: context.credentials } : {}),
    });
    if (!response.ok) throw await errorOf(response, what, topic);
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      if (combined.aborted) throw cause;
      throw new StateSyncHttpError('invalid_message', `${what} is not JSON`, { topic, cause });
    }
    const result = snapshotBodySchema.safeParse(body);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new StateSyncHttpError(
        'invalid_message',
        `${what} rejected at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
        { topic },
      );
    }
    if (result.data.topic !== topic)
      throw new StateSyncHttpError(
        'invalid_message',
        `${what} answered for "${result.data.topic}"`,
        { topic },
      );
    const { revision, epoch, data } = result.data;
    return { revision, epoch, data: data as T };
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
