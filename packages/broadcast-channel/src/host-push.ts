// The host's fast path: what an invalidation carries (a delta, the inline state, or nothing) and
// how a `get` with `since` is answered from the store's delta log. The diff is injected (the host's
// `diff` option), so no tab bundles the diff library unless the app asks for host-computed deltas.
import {
  compareRevisions,
  type InvalidationEvent,
  type Revision,
  type SnapshotEnvelope,
  type Source,
  type SourceStore,
} from '@state-sync/core';
import { combineDeltas, type DeltaOp, jsonLengthExceeds } from '@state-sync/protocol';

/** Default `inlineBytes`: states up to 32 KiB of JSON ride on the invalidation itself. */
export const DEFAULT_INLINE_BYTES = 32 * 1024;

export interface Delta {
  baseRevision: Revision;
  ops: readonly DeltaOp[];
}

/** What an invalidation carries besides topic and revision. */
export interface Payload {
  delta?: Delta;
  data?: unknown;
}

/** Computes the ops turning one state into the next, or undefined when they are not smaller. */
export type DiffFunction = (previous: unknown, next: unknown) => readonly DeltaOp[] | undefined;

export interface Wants {
  delta: boolean;
  inline: boolean;
}

interface Known {
  epoch: string | undefined;
  revision: Revision;
  data: unknown;
}

const previousRevision = (revision: Revision): Revision => (BigInt(revision) - 1n).toString();

export interface PushPlanner {
  /** The payload for `event`; reads the state at most once per change. */
  plan(event: InvalidationEvent, wants: Wants): Promise<Payload>;
  /** One combined delta from `since` to `envelope`, or undefined (answer a snapshot). */
  resume(
    topic: string,
    since: { epoch: string; revision: Revision },
    envelope: SnapshotEnvelope<unknown>,
  ): Promise<Delta | undefined>;
  forget(topic: string): void;
}

export function createPushPlanner(
  source: Source,
  inlineBytes: number,
  store: Pick<SourceStore, 'readSince'> | undefined,
  diff: DiffFunction | undefined,
): PushPlanner {
  /** The last state the host read per topic: the base of the next diff when an event has none. */
  const known = new Map<string, Known>();

  function remember(topic: string, envelope: SnapshotEnvelope<unknown>): void {
    known.set(topic, { epoch: envelope.epoch, revision: envelope.revision, data: envelope.data });
  }

  return {
    async plan(event, wants) {
      if (!wants.delta && !wants.inline) return {};
      const envelope = await source.topic(event.topic).get();
      const previous = known.get(event.topic);
      remember(event.topic, envelope);
      // A newer write already landed: its own invalidation follows and carries the change.
      if (envelope.revision !== event.revision || envelope.epoch !== event.epoch) return {};
      if (wants.delta) {
        if (event.delta) {
          // The source's own delta: its ops are the change (the store logged the same ones).
          const ops = event.delta.ops as DeltaOp[];
          if (jsonLengthExceeds(envelope.data, JSON.stringify(ops).length))
            return { delta: { baseRevision: event.delta.baseRevision, ops } };
        } else if (
          diff &&
          previous &&
          previous.epoch === event.epoch &&
          previous.revision === previousRevision(event.revision)
        ) {
          const ops = diff(previous.data, envelope.data);
          if (ops) return { delta: { baseRevision: previous.revision, ops: [...ops] } };
        }
      }
      if (wants.inline && !jsonLengthExceeds(envelope.data, inlineBytes))
        return { data: envelope.data };
      return {};
    },
    async resume(topic, since, envelope) {
      // Not remembered: any tab may `get` any topic, and only subscribed topics keep a state here.
      if (since.epoch !== envelope.epoch) return undefined;
      const order = compareRevisions(since.revision, envelope.revision);
      if (order > 0) return undefined;
      if (order === 0) return { baseRevision: since.revision, ops: [] };
      const entries = await store?.readSince?.(topic, since.epoch, since.revision);
      // The log and the state were read at different moments: use the log only if it ends exactly
      // at the state we read.
      if (!entries?.length || entries[entries.length - 1]?.revision !== envelope.revision)
        return undefined;
      let base = since.revision;
      let combined: ReturnType<typeof combineDeltas>;
      try {
        combined = combineDeltas(
          entries.map((entry) => {
            const link = {
              baseRevision: base,
              revision: entry.revision,
              ops: entry.ops as DeltaOp[],
            };
            base = entry.revision;
            return link;
          }),
        );
      } catch {
        return undefined; // a store whose log has a gap: a snapshot is always right
      }
      if (!combined) return undefined;
      // Only when the change is smaller than the state it stands for.
      if (!jsonLengthExceeds(envelope.data, JSON.stringify(combined.ops).length)) return undefined;
      return { baseRevision: combined.baseRevision, ops: combined.ops };
    },
    forget(topic) {
      known.delete(topic);
    },
  };
}
