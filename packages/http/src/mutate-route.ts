// `POST …/mutate`: a JSON body `{ topic, op, baseRevision? }` handed to `onMutate`, answered with
// `{ type: 'ack', revision? }`. The same untyped contract as the WebSocket server's `mutate`.
import { isRevision, type Source } from '@state-sync/core';
import { revisionSchema, topicNameSchema } from '@state-sync/protocol';
import * as z from 'zod/mini';
import { StateSyncHttpError } from './errors';
import type { MutateContext } from './options';
import { jsonResponse, readBody } from './responses';

const mutateBodySchema = /* @__PURE__ */ z.object({
  topic: topicNameSchema,
  op: z.unknown(),
  baseRevision: z.optional(revisionSchema),
});

/** Parses the body; throws `bad_request` (or `too_large`) naming what is wrong. */
export async function readMutateBody(
  request: Request,
  maxBodyBytes: number,
): Promise<z.infer<typeof mutateBodySchema>> {
  // Only JSON: a cross-site form cannot send it without a CORS preflight we would refuse.
  if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
    throw new StateSyncHttpError('bad_request', 'mutate needs Content-Type: application/json', {
      status: 415,
    });
  }
  const text = await readBody(request, maxBodyBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateSyncHttpError(
      'bad_request',
      `mutate body is not JSON: ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  const result = mutateBodySchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new StateSyncHttpError(
      issue?.path[0] === 'topic' ? 'invalid_topic' : 'bad_request',
      `mutate body rejected at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data;
}

export async function runMutate<P>(
  onMutate: (context: MutateContext<P>) => unknown,
  context: MutateContext<P>,
  headers: Record<string, string>,
): Promise<Response> {
  const result = await onMutate(context);
  const revision = (result as { revision?: unknown } | undefined)?.revision;
  return jsonResponse(isRevision(revision) ? { type: 'ack', revision } : { type: 'ack' }, 200, {
    'cache-control': 'no-store',
    ...headers,
  });
}

export type { Source };
