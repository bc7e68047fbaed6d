// `POST …/mutate`: a JSON body naming a mutator — `{ topic, name, args, clientId, seq }`, applied
// by core's createMutationHandler exactly once per (clientId, seq) and answered with
// `{ type: 'ack', revision, epoch, lastAppliedSeq, duplicate? }` — or, the escape hatch, a
// free-form `{ topic, op, baseRevision? }` handed to `onMutate` and answered `{ type: 'ack', revision? }`.
import {
  createMutationHandler,
  isRevision,
  type MutationHandler,
  MutationRejected,
  type MutatorsByTopic,
  type Source,
} from '@state-sync/core';
import { revisionSchema, topicNameSchema } from '@state-sync/protocol';
import * as z from 'zod/mini';
import { StateSyncHttpError } from './errors';
import type { MutateContext } from './options';
import { jsonResponse, readBody } from './responses';

const mutateBodySchema = /* @__PURE__ */ z
  .object({
    topic: topicNameSchema,
    op: z.optional(z.unknown()),
    baseRevision: z.optional(revisionSchema),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    args: z.optional(z.unknown()),
    clientId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    seq: z.optional(z.number().check(z.int(), z.positive())),
  })
  .check(
    z.refine((body) => (body.name !== undefined) !== 'op' in body, {
      message: 'a mutate carries a mutator name (with args, clientId, seq) or an op: exactly one',
    }),
    z.refine(
      (body) => body.name === undefined || (body.clientId !== undefined && body.seq !== undefined),
      { message: 'a mutator call needs clientId and seq (exactly once)', path: ['clientId'] },
    ),
  );

export type MutateBody = z.infer<typeof mutateBodySchema>;

/** Parses the body; throws `bad_request` (or `too_large`) naming what is wrong. */
export async function readMutateBody(request: Request, maxBodyBytes: number): Promise<MutateBody> {
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

export interface WriteCounters {
  mutationsApplied: number;
  mutationsDuplicate: number;
  mutationsRejected: number;
  mutationsFailed: number;
}

/** The mutator half of the route, or undefined without `mutators`. */
export function createMutatorRoute(
  source: Source,
  mutators: MutatorsByTopic | undefined,
  counters: WriteCounters,
  report: (error: StateSyncHttpError) => void,
) {
  if (!mutators) return undefined;
  let handler: MutationHandler;
  try {
    handler = createMutationHandler({ source, mutators });
  } catch (cause) {
    throw new StateSyncHttpError(
      'invalid_argument',
      'options.mutators needs a source whose store records client mutations (memory, SQLite, Redis): writes must apply exactly once',
      { cause },
    );
  }
  return async (
    body: MutateBody,
    headers: Record<string, string>,
    scope: () => string | undefined,
  ): Promise<Response> => {
    const { topic, name, args, clientId, seq } = body;
    const noStore = { 'cache-control': 'no-store', ...headers };
    try {
      const ack = await handler.apply({
        topic,
        name: name as string,
        args,
        clientId: clientId as string,
        seq: seq as number,
        scope: scope(),
      });
      if (ack.duplicate) counters.mutationsDuplicate++;
      else counters.mutationsApplied++;
      return jsonResponse({ type: 'ack', ...ack }, 200, noStore);
    } catch (error) {
      if (error instanceof MutationRejected) {
        counters.mutationsRejected++;
        const { code, message } = error;
        const refusal = { code: code.slice(0, 64), message: message.slice(0, 4096) };
        return jsonResponse({ type: 'error', ...refusal, topic, rejected: true }, 422, noStore);
      }
      counters.mutationsFailed++;
      report(
        new StateSyncHttpError('unavailable', `mutation "${name}" on "${topic}" failed`, {
          cause: error,
          topic,
        }),
      );
      // The detail stays here (it may name the store); the client resends the same seq later.
      return jsonResponse(
        {
          type: 'error',
          code: 'unavailable',
          message: 'the mutation could not be applied now: retry',
          topic,
        },
        503,
        { ...noStore, 'retry-after': '1' },
      );
    }
  };
}
