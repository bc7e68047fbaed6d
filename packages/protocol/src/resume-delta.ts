// Resume from a source's delta log, for every server transport: the changes of a topic after a
// client's position as one combined delta, when the log reaches back that far and the delta is
// smaller than the state; otherwise undefined, and the caller answers with the snapshot.
import type { Source } from '@state-sync/core';
import { combineDeltas } from './combine-deltas';
import type { DeltaLimits, DeltaOp } from './delta-ops';
import { jsonLengthExceeds } from './json-length';

export interface ResumeDelta {
  epoch: string;
  /** The topic's current revision, where the delta ends. */
  revision: string;
  baseRevision: string;
  ops: DeltaOp[];
  /** `{"baseRevision":…,"ops":[…]}`, serialised once for the caller's frame or body. */
  json: string;
}

/**
 * The change of `topic` from `since` to its current revision, or undefined when the source keeps
 * no log, the log does not reach back to `since` (or has a gap), `since` is another epoch or
 * already current, or the combined delta is not smaller than the state itself.
 */
export async function resumeDelta(
  source: Pick<Source, 'readSince' | 'topic'>,
  topic: string,
  since: { epoch: string; revision: string },
  limits?: DeltaLimits,
): Promise<ResumeDelta | undefined> {
  const entries = await source.readSince?.(topic, since.epoch, since.revision);
  if (!entries || entries.length === 0) return undefined;
  let base = since.revision;
  const chain = entries.map((entry) => {
    const link = { baseRevision: base, revision: entry.revision, ops: entry.ops as DeltaOp[] };
    base = entry.revision;
    return link;
  });
  let combined: ReturnType<typeof combineDeltas>;
  try {
    combined = combineDeltas(chain, limits);
  } catch {
    return undefined; // a gap in the log: the snapshot is always right
  }
  if (!combined) return undefined;
  const current = await source.topic(topic).get();
  if (current.revision !== combined.revision || current.epoch !== since.epoch) return undefined;
  const json = JSON.stringify({ baseRevision: combined.baseRevision, ops: combined.ops });
  // Many changes can add up to more than the state: then the snapshot is the better deal.
  if (!jsonLengthExceeds(current.data ?? null, json.length)) return undefined;
  return {
    epoch: since.epoch,
    revision: combined.revision,
    baseRevision: combined.baseRevision,
    ops: [...combined.ops],
    json,
  };
}
