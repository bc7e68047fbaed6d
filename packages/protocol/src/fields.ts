// The zod/mini schemas of the fields every message shares. zod/mini because it tree-shakes: a
// browser client carries only the checks it uses. Each schema is a pure expression, so a bundle
// that does not use one drops it.
import { isRevision } from '@state-sync/core';
import * as z from 'zod/mini';
import { type DeltaLimits, type DeltaOp, deltaOpsProblem } from './delta-ops';
import { topicNameProblem } from './topic';

/** The topic rule (see `topicNameProblem`) as a schema: every `topic` field uses it. */
export const topicNameSchema = /* @__PURE__ */ (() =>
  z.string().check(
    z.superRefine((name: string, context) => {
      const problem = topicNameProblem(name);
      if (problem !== undefined)
        context.addIssue({ code: 'custom', message: problem, input: name });
    }),
  ))();

/** A canonical decimal u64 string (DESIGN invariant 1); anything else is refused, never coerced. */
export const revisionSchema = /* @__PURE__ */ (() =>
  z.string().check(z.refine(isRevision, 'revision must be a canonical decimal u64 string')))();

export const epochSchema = /* @__PURE__ */ (() => z.string().check(z.maxLength(256)))();

/** A request id (`get`, `mutate`) and the id its answer echoes. */
export const requestIdSchema = /* @__PURE__ */ (() =>
  z.string().check(z.minLength(1), z.maxLength(64)))();

/** `{ epoch, revision }`: where a client stands, for `get` with `since` (resume). */
export const positionSchema = /* @__PURE__ */ (() =>
  z.object({ epoch: epochSchema, revision: revisionSchema }))();

/**
 * The schema of `delta: { baseRevision, ops }` within `limits` (defaults: `MAX_DELTA_OPS`,
 * `MAX_POINTER_LENGTH`). The ops are checked by the same rule `applyDelta` uses; the length is
 * checked before any op, so a flood of ops costs one comparison.
 */
export function createDeltaSchema(limits: DeltaLimits = {}) {
  return z.object({
    baseRevision: revisionSchema,
    ops: z.custom<readonly DeltaOp[]>().check(
      z.superRefine((ops: unknown, context) => {
        const problem = deltaOpsProblem(ops, limits);
        if (problem === undefined) return;
        context.addIssue({
          code: 'custom',
          message: problem.message,
          input: ops,
          path: problem.index === undefined ? [] : [problem.index],
        });
      }),
    ),
  });
}

/** `createDeltaSchema()` with the default limits. */
export const deltaSchema = /* @__PURE__ */ createDeltaSchema();
