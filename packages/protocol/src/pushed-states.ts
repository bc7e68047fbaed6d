// Pushed state on a client, for every network transport: the newest deltas or inline states that
// `invalidate` frames carried, per topic, and the provider that answers an engine from them. A
// delta is applied only to the state the engine applied last, and only when that state is exactly
// at the delta's base (same epoch, revision === baseRevision); inline state only when newer.
// Anything else pulls with `since`, which the server may answer with one delta from its log (the
// same base rule holds). The transport supplies the pull and turns refusals into its own errors.
// The answer from pushed state is computed synchronously (an async schema is the one exception)
// and returned as is, not in a promise: the engine applies it within the frame's own task.
import {
  compareRevisions,
  type RevisionSyncHandle,
  type SnapshotContext,
  type SnapshotEnvelope,
} from '@state-sync/core';
import { applyDelta } from './apply-delta';
import type { DeltaOp } from './delta-ops';

type Delta = { baseRevision: string; ops: readonly DeltaOp[] };

/** What an `invalidate` may carry (its other fields do not matter here). */
export type PushedMessage = {
  topic: string;
  revision: string;
  epoch: string;
  delta?: { baseRevision: string; ops: readonly unknown[] } | undefined;
  data?: unknown;
};

/** A pull's answer: the state (`data`), or, for a pull with `since`, a delta from there. */
export type PulledState = {
  revision: string;
  epoch: string;
  data?: unknown;
  delta?: { baseRevision: string; ops: readonly unknown[] } | undefined;
};

/** Counters the transport keeps in its own metrics. */
export interface PushMetrics {
  /** Snapshots answered from pushed state with no pull. */
  pushed: number;
  /** Deltas applied (pushed or pulled), each exactly on its base. */
  deltas: number;
  /** Deltas that could not be used (wrong base, failed to apply, rejected by the schema). */
  deltaFallbacks: number;
}

export interface PushedStatesOptions {
  metrics: PushMetrics;
  /** A delta that does not apply or whose result fails the schema: report it (the engine pulls). */
  reject(topic: string, message: string, cause: unknown): void;
  /** Pushed changes kept per topic while its engine is busy. Default 32. */
  maxPerTopic?: number;
}

/** An answer that is ready now, or (behind an async schema) later. */
type Maybe<A> = A | PromiseLike<A>;

const isThenable = <A>(value: Maybe<A>): value is PromiseLike<A> =>
  typeof (value as PromiseLike<A> | undefined)?.then === 'function';

/**
 * The engine's `schema` as a check: true when valid. A synchronous answer (the usual case) keeps
 * the answer from pushed state synchronous; a promise is awaited.
 */
export type ValidateState = (value: unknown) => boolean | PromiseLike<boolean>;

/**
 * A Standard Schema (the engine's `schema` option) as a `ValidateState`, or undefined without one.
 * Synchronous when the schema is (the usual case): no promise hop before the apply.
 */
export function validateBySchema(schema: unknown): ValidateState | undefined {
  if (!schema) return undefined;
  const standard = (schema as { '~standard': { validate(value: unknown): unknown } })['~standard'];
  const valid = (result: unknown) => (result as { issues?: unknown }).issues === undefined;
  return (value) => {
    // Any thenable, as everywhere else here: one that is not a Promise has no `issues` of its own.
    const result = standard.validate(value);
    return isThenable(result) ? Promise.resolve(result).then(valid) : valid(result);
  };
}

export interface PushedStates {
  /**
   * Keeps what `message` carried (its delta or inline data), after older pushed state. The
   * message is kept as is, not copied: pass a fresh one (a frame just parsed) and do not change it.
   */
  remember(message: PushedMessage): void;
  forget(topic: string): void;
  /** Forgets every topic (the link dropped: what comes next starts from a pull or a resume). */
  clear(): void;
  /** A provider answering the engine of `topic` from pushed state, else by pulling `since`. */
  provider<T>(
    topic: string,
    handle: () => Pick<RevisionSyncHandle<T>, 'getApplied'> | undefined,
    pull: (
      since: { epoch: string; revision: string } | undefined,
      context?: SnapshotContext,
    ) => Promise<PulledState>,
    validate: ValidateState | undefined,
  ): (context?: SnapshotContext) => SnapshotEnvelope<T> | Promise<SnapshotEnvelope<T>>;
}

export function createPushedStates(options: PushedStatesOptions): PushedStates {
  const { metrics } = options;
  const maxPerTopic = options.maxPerTopic ?? 32;
  // A topic's entry is emptied (set to undefined), not deleted, when its pushed state is used:
  // deleting the only key and setting it again on the next frame makes the Map shrink and grow
  // its table on every frame (bench:client-frame). forget() and clear() delete.
  const pushed = new Map<string, PushedMessage[] | undefined>();

  return {
    remember(message) {
      if (message.delta === undefined && !('data' in message)) return;
      const list = pushed.get(message.topic);
      if (!list) return void pushed.set(message.topic, [message]);
      if (list.some((e) => e.epoch === message.epoch && e.revision === message.revision)) return;
      list.push(message);
      if (list.length > maxPerTopic) list.shift();
    },
    forget(topic) {
      pushed.delete(topic);
    },
    clear() {
      pushed.clear();
    },

    provider(topic, handle, pull, validate) {
      type T =
        ReturnType<typeof handle> extends
          | Pick<RevisionSyncHandle<infer U>, 'getApplied'>
          | undefined
          ? U
          : never;
      type Answer = SnapshotEnvelope<T> | undefined;
      const local = (): Answer => handle()?.getApplied();

      /** The state `delta` makes of `from`, or undefined (reported when it fails) when it cannot. */
      function patched(delta: Delta, epoch: string, revision: string, from: Answer): Maybe<Answer> {
        // The base rule: a chain starting at the state the engine applied last, each delta
        // exactly at its base.
        if (!from || from.epoch !== epoch || from.revision !== delta.baseRevision) return undefined;
        let data: T;
        try {
          data = applyDelta(from.data as T, delta.ops);
        } catch (cause) {
          return refuse(`the delta to revision ${revision} of "${topic}" does not apply`, cause);
        }
        const done = (valid: boolean): Answer => {
          if (!valid)
            return refuse(`the state the delta makes of "${topic}" fails the schema`, undefined);
          metrics.deltas++;
          return { revision, epoch, data };
        };
        if (!validate) return done(true);
        const valid = validate(data);
        return isThenable(valid) ? Promise.resolve(valid).then(done) : done(valid);
      }

      function refuse(message: string, cause: unknown): undefined {
        metrics.deltaFallbacks++;
        options.reject(topic, `${message}: pulling instead`, cause);
        return undefined;
      }

      /** Every delta of `list` that starts where `current` is, in a chain. */
      function chain(list: PushedMessage[], current: Answer, progressed: boolean): Maybe<Answer> {
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

      function finish(list: PushedMessage[], current: Answer, progressed: boolean): Answer {
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
        pushed.set(topic, undefined); // used once: a later pull must ask the server
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
        const delta = message.delta as Delta;
        const result = await patched(delta, message.epoch, message.revision, local());
        if (result) return result;
        if (local()?.revision !== delta.baseRevision) metrics.deltaFallbacks++;
        // The pulled delta cannot be used (the local state moved meanwhile, say): a plain pull.
        const full = await pull(undefined, context);
        return { revision: full.revision, epoch: full.epoch, data: full.data as T };
      }

      return (context) => {
        if (context?.reason !== 'invalidation') {
          if (pushed.has(topic)) pushed.set(topic, undefined);
          return pulled(context);
        }
        const answer = fromPushed();
        // Ready now (the usual case): the envelope itself, and the engine applies it at once.
        if (!isThenable(answer)) return answer ?? pulled(context);
        return Promise.resolve(answer).then((a) => a ?? pulled(context));
      };
    },
  };
}
