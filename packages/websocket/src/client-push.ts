// Pushed state on the client side: the newest delta or inline state an `invalidate` carried, per
// topic, and the provider that answers the engine from it. A delta is applied only to the state
// the engine applied last, and only when that state is exactly at the delta's base (same epoch,
// revision === baseRevision); inline state only when it is newer. Anything else pulls with
// `since`, which the server may answer with one delta from its log (the same base rule holds).
import {
  compareRevisions,
  type RevisionSyncHandle,
  type SnapshotContext,
  type SnapshotEnvelope,
} from '@state-sync/core';
import { applyDelta, type DeltaOp } from '@state-sync/protocol';
import type { ClientMetrics } from './client-options';
import { StateSyncWebSocketError } from './errors';
import type { InvalidateMessage, SnapshotMessage } from './protocol';

type Delta = { baseRevision: string; ops: readonly DeltaOp[] };
type Pushed = { revision: string; epoch: string; delta?: Delta; data?: unknown; inline: boolean };

/** The validator of the engine's `schema` option (Standard Schema), if any. */
type Validate = (value: unknown) => Promise<boolean>;

export interface PushedStates {
  /** Keeps what `message` carried (its delta or inline data), replacing older pushed state. */
  remember(message: InvalidateMessage): void;
  forget(topic: string): void;
  /** A provider answering the engine of `topic` from pushed state, else by pulling `since`. */
  provider<T>(
    topic: string,
    handle: () => RevisionSyncHandle<T> | undefined,
    local: () => SnapshotEnvelope<T> | undefined,
    pull: (
      since: { epoch: string; revision: string } | undefined,
      context?: SnapshotContext,
    ) => Promise<SnapshotMessage>,
    validate: Validate | undefined,
  ): (context?: SnapshotContext) => Promise<SnapshotEnvelope<T>>;
}

export function createPushedStates(
  metrics: ClientMetrics,
  report: (error: StateSyncWebSocketError) => void,
): PushedStates {
  const pushed = new Map<string, Pushed>();

  return {
    remember(message) {
      if (message.delta === undefined && !('data' in message)) return;
      const last = pushed.get(message.topic);
      if (
        last &&
        last.epoch === message.epoch &&
        compareRevisions(message.revision, last.revision) <= 0
      )
        return; // a duplicate or a reordered older one
      pushed.set(message.topic, {
        revision: message.revision,
        epoch: message.epoch,
        ...(message.delta ? { delta: message.delta as Delta } : {}),
        data: message.data,
        inline: 'data' in message,
      });
    },
    forget(topic) {
      pushed.delete(topic);
    },

    provider(topic, handle, local, pull, validate) {
      type T = ReturnType<typeof local> extends SnapshotEnvelope<infer U> | undefined ? U : never;

      /** The state `delta` makes of the local state, or undefined (reported) when it cannot. */
      async function patched(
        delta: Delta,
        epoch: string,
        revision: string,
      ): Promise<SnapshotEnvelope<T> | undefined> {
        const base = local();
        const h = handle();
        // The base rule: the state the engine applied last, exactly at the delta's base.
        if (
          !base ||
          !h ||
          base.epoch !== epoch ||
          base.revision !== delta.baseRevision ||
          h.getLocalRevision() !== delta.baseRevision ||
          h.getEpoch() !== epoch
        )
          return undefined;
        let data: T;
        try {
          data = applyDelta(base.data as T, delta.ops);
        } catch (cause) {
          return reject(`the delta to revision ${revision} of "${topic}" does not apply`, cause);
        }
        if (validate && !(await validate(data)))
          return reject(`the state the delta makes of "${topic}" fails the schema`, undefined);
        metrics.deltas++;
        return { revision, epoch, data };
      }

      function reject(message: string, cause: unknown): undefined {
        metrics.deltaFallbacks++;
        report(
          new StateSyncWebSocketError('delta_rejected', `${message}: pulling instead`, {
            cause,
            topic,
          }),
        );
        return undefined;
      }

      async function fromPushed(): Promise<SnapshotEnvelope<T> | undefined> {
        const entry = pushed.get(topic);
        if (!entry) return undefined;
        pushed.delete(topic); // used once: a later pull must ask the server
        const base = local();
        if (entry.inline) {
          const newer =
            !base ||
            base.epoch !== entry.epoch ||
            compareRevisions(entry.revision, base.revision) > 0;
          if (!newer) return undefined;
          metrics.pushed++;
          return { revision: entry.revision, epoch: entry.epoch, data: entry.data as T };
        }
        if (!entry.delta) return undefined;
        const result = await patched(entry.delta, entry.epoch, entry.revision);
        if (result) metrics.pushed++;
        else if (base && base.revision !== entry.delta.baseRevision) metrics.deltaFallbacks++;
        return result;
      }

      return async (context) => {
        if (context?.reason === 'invalidation') {
          const answer = await fromPushed();
          if (answer) return answer;
        } else {
          pushed.delete(topic);
        }
        const base = local();
        const since = base?.epoch ? { epoch: base.epoch, revision: base.revision } : undefined;
        const message = await pull(since, context);
        if (message.delta === undefined) {
          return { revision: message.revision, epoch: message.epoch, data: message.data as T };
        }
        const result = await patched(message.delta as Delta, message.epoch, message.revision);
        if (result) return result;
        if (local()?.revision !== (message.delta as Delta).baseRevision) metrics.deltaFallbacks++;
        // The resumed delta cannot be used (the local state moved meanwhile, say): a plain pull.
        const full = await pull(undefined, context);
        return { revision: full.revision, epoch: full.epoch, data: full.data as T };
      };
    },
  };
}
