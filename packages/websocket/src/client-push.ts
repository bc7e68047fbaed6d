// Pushed state on the client side: the newest deltas or inline states `invalidate` frames carried,
// per topic, and the provider that answers the engine from them. A delta is applied only to the
// state the engine applied last, and only when that state is exactly at the delta's base (same
// epoch, revision === baseRevision); inline state only when it is newer. Anything else pulls with
// `since`, which the server may answer with one delta from its log (the same base rule holds).
// The answer from pushed state is computed synchronously (an async schema is the one exception):
// the engine's `await` on the provider is the only hop between the frame and the applier.
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

/** The validator of the engine's `schema` option (Standard Schema), if any. */
type Validate = (value: unknown) => boolean | PromiseLike<boolean>;

/** An answer that is ready now, or (behind an async schema) later. */
type Maybe<A> = A | PromiseLike<A>;

const isThenable = <A>(value: Maybe<A>): value is PromiseLike<A> =>
  typeof (value as PromiseLike<A> | undefined)?.then === 'function';

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
  // The newest pushed frames per topic (at most MAX_PUSHED), kept as parsed (they are ours, fresh
  // from JSON.parse): consecutive deltas arriving while the engine is busy are applied one after
  // another from the local revision.
  const MAX_PUSHED = 32;
  const pushed = new Map<string, InvalidateMessage[]>();

  return {
    remember(message) {
      if (message.delta === undefined && !('data' in message)) return;
      const list = pushed.get(message.topic);
      if (!list) return void pushed.set(message.topic, [message]);
      if (list.some((e) => e.epoch === message.epoch && e.revision === message.revision)) return;
      list.push(message);
      if (list.length > MAX_PUSHED) list.shift();
    },
    forget(topic) {
      pushed.delete(topic);
    },

    provider(topic, handle, local, pull, validate) {
      type T = ReturnType<typeof local> extends SnapshotEnvelope<infer U> | undefined ? U : never;
      type Answer = SnapshotEnvelope<T> | undefined;

      /** The state `delta` makes of `base`, or undefined (reported) when it cannot. */
      function patched(delta: Delta, epoch: string, revision: string, base: Answer): Maybe<Answer> {
        const h = handle();
        const applied = local();
        // The base rule: a chain starting at the state the engine applied last, each delta
        // exactly at its base.
        if (
          !base ||
          !h ||
          !applied ||
          h.getLocalRevision() !== applied.revision ||
          h.getEpoch() !== applied.epoch ||
          base.epoch !== epoch ||
          base.revision !== delta.baseRevision
        )
          return undefined;
        let data: T;
        try {
          data = applyDelta(base.data as T, delta.ops);
        } catch (cause) {
          return reject(`the delta to revision ${revision} of "${topic}" does not apply`, cause);
        }
        const done = (valid: boolean): Answer => {
          if (!valid)
            return reject(`the state the delta makes of "${topic}" fails the schema`, undefined);
          metrics.deltas++;
          return { revision, epoch, data };
        };
        if (!validate) return done(true);
        const valid = validate(data);
        return isThenable(valid) ? Promise.resolve(valid).then(done) : done(valid);
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

      /** Every delta of `list` that starts where `current` is, in a chain. */
      function chain(
        list: InvalidateMessage[],
        current: Answer,
        progressed: boolean,
      ): Maybe<Answer> {
        for (;;) {
          const at = current;
          const next = list.find(
            (e) => e.delta && at && e.epoch === at.epoch && e.delta.baseRevision === at.revision,
          );
          if (!next?.delta) break;
          const result = patched(next.delta as Delta, next.epoch, next.revision, current);
          if (isThenable(result))
            return Promise.resolve(result).then((r) =>
              r ? chain(list, r, true) : finish(list, current, progressed),
            );
          if (!result) break;
          current = result;
          progressed = true;
        }
        return finish(list, current, progressed);
      }

      function finish(list: InvalidateMessage[], current: Answer, progressed: boolean): Answer {
        if (progressed) {
          metrics.pushed++;
          return current;
        }
        if (list.some((e) => e.delta)) metrics.deltaFallbacks++;
        return undefined;
      }

      function fromPushed(): Maybe<Answer> {
        const list = pushed.get(topic);
        if (!list || list.length === 0) return undefined;
        pushed.delete(topic); // used once: a later pull must ask the server
        let current = local();
        let progressed = false;
        let deltas = false;
        // Inline state newer than ours replaces it; then every delta that starts where we are.
        for (const entry of list) {
          if (!('data' in entry)) {
            deltas = true;
            continue;
          }
          const newer =
            !current ||
            current.epoch !== entry.epoch ||
            compareRevisions(entry.revision, current.revision) > 0;
          if (newer) {
            current = { revision: entry.revision, epoch: entry.epoch, data: entry.data as T };
            progressed = true;
          }
        }
        return deltas ? chain(list, current, progressed) : finish(list, current, progressed);
      }

      async function pulled(context: SnapshotContext | undefined): Promise<SnapshotEnvelope<T>> {
        const base = local();
        const since = base?.epoch ? { epoch: base.epoch, revision: base.revision } : undefined;
        const message = await pull(since, context);
        if (message.delta === undefined) {
          return { revision: message.revision, epoch: message.epoch, data: message.data as T };
        }
        const result = await patched(
          message.delta as Delta,
          message.epoch,
          message.revision,
          local(),
        );
        if (result) return result;
        if (local()?.revision !== (message.delta as Delta).baseRevision) metrics.deltaFallbacks++;
        // The resumed delta cannot be used (the local state moved meanwhile, say): a plain pull.
        const full = await pull(undefined, context);
        return { revision: full.revision, epoch: full.epoch, data: full.data as T };
      }

      return (context) => {
        if (context?.reason !== 'invalidation') {
          pushed.delete(topic);
          return pulled(context);
        }
        const answer = fromPushed();
        if (!isThenable(answer)) return answer ? Promise.resolve(answer) : pulled(context);
        return Promise.resolve(answer).then((a) => a ?? pulled(context));
      };
    },
  };
}
