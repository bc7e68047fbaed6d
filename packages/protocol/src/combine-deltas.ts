// Resume: a client back at revision R gets the log entries after R as one delta. Consecutive
// deltas combine by concatenation (RFC 6902 applies ops in order), so this only checks that the
// entries really follow each other and that the result stays within the bounds a client accepts.
import { compareRevisions } from '@state-sync/core';
import { type DeltaLimits, type DeltaOp, MAX_DELTA_OPS } from './delta-ops';
import { StateSyncProtocolError } from './errors';

/** One change of a delta log: the ops that took the state from `baseRevision` to `revision`. */
export type DeltaLogEntry = { baseRevision: string; revision: string; ops: readonly DeltaOp[] };

/**
 * One delta from `baseRevision` of the first entry to `revision` of the last. Throws
 * `not_consecutive` when an entry does not start where the one before it ended (a gap in the log
 * must never be papered over); returns undefined when the combined ops pass `limits.maxOps`
 * (answer a snapshot instead). An empty list combines to nothing: undefined.
 */
export function combineDeltas(
  entries: readonly DeltaLogEntry[],
  limits: DeltaLimits = {},
): DeltaLogEntry | undefined {
  const first = entries[0];
  if (first === undefined) return undefined;
  const maxOps = limits.maxOps ?? MAX_DELTA_OPS;
  const ops: DeltaOp[] = [];
  let revision = first.baseRevision;
  for (const entry of entries) {
    if (entry.baseRevision !== revision || compareRevisions(entry.revision, revision) <= 0)
      throw new StateSyncProtocolError(
        'not_consecutive',
        `delta ${entry.baseRevision} → ${entry.revision} does not follow revision ${revision}: the log has a gap, answer a snapshot`,
      );
    if (ops.length + entry.ops.length > maxOps) return undefined;
    for (const op of entry.ops) ops.push(op);
    revision = entry.revision;
  }
  return { baseRevision: first.baseRevision, revision, ops };
}
