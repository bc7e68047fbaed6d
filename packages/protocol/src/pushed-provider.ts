// The provider an engine gets from createPushedStates: it answers an invalidation from the changes
// pushed for its topic (a chain of deltas from the state the engine applied last, or newer inline
// state), else pulls with `since`. One object per engine, its methods on the prototype: a pushed
// frame reads this object and its topic's slot, not a provider closure, its scope and the six
// closures beside it (with 1,000 clients in a process each one is a cache miss:
// bench/results/websocket-2026-12-03f.md).
import {
  compareRevisions,
  type RevisionSyncHandle,
  type SnapshotContext,
  type SnapshotEnvelope,
  type SyncSnapshotProvider,
} from '@state-sync/core';
import { applyDelta } from './apply-delta';
import type { DeltaOp } from './delta-ops';
import type { PulledState, PushedMessage, PushMetrics } from './pushed-states';

type Delta = { baseRevision: string; ops: readonly DeltaOp[] };

/** An answer that is ready now, or (behind an async schema) later. */
export type Maybe<A> = A | PromiseLike<A>;

export const isThenable = <A>(value: Maybe<A>): value is PromiseLike<A> =>
  typeof (value as PromiseLike<A> | undefined)?.then === 'function';

/**
 * The engine's `schema` as a check: true when valid. A synchronous answer (the usual case) keeps
 * the answer from pushed state synchronous; a promise is awaited.
 */
export type ValidateState = (value: unknown) => boolean | PromiseLike<boolean>;

/** Pulls the topic: the state, or with `since` possibly a delta from there. */
export type PullState = (
  since: { epoch: string; revision: string } | undefined,
  context?: SnapshotContext,
) => Promise<PulledState>;

/**
 * A topic's pushed changes not used yet, at most `max` of them; shared by every provider of the
 * topic (opaque to transports: they hand it to `keepPushed`).
 */
export type PushedSlot = { list: PushedMessage[] | undefined; readonly max: number };

/** What every provider of one createPushedStates shares. */
export type Shared = {
  metrics: PushMetrics;
  reject(topic: string, message: string, cause: unknown): void;
};

export interface PushedProvider<T> extends SyncSnapshotProvider<T> {
  /**
   * The engine this provider answers: set it once the engine is made. Its `getApplied()` is the
   * only base a delta applies to; until it is set, nothing counts as applied.
   */
  handle: Pick<RevisionSyncHandle<T>, 'getApplied'> | undefined;
}

type Answer<T> = SnapshotEnvelope<T> | undefined;

export class TopicProvider<T> implements PushedProvider<T> {
  // The fields a pushed frame reads first (fields lie in declaration order: one cache line).
  handle: Pick<RevisionSyncHandle<T>, 'getApplied'> | undefined = undefined;
  readonly #slot: PushedSlot;
  // The counters themselves, not read through `#shared`: one object less per pushed frame.
  readonly #metrics: PushMetrics;
  readonly #topic: string;
  readonly #shared: Shared;
  readonly #pull: PullState;
  readonly #validate: ValidateState | undefined;

  constructor(
    topic: string,
    slot: PushedSlot,
    shared: Shared,
    pull: PullState,
    validate: ValidateState | undefined,
  ) {
    this.#topic = topic;
    this.#slot = slot;
    this.#shared = shared;
    this.#metrics = shared.metrics;
    this.#pull = pull;
    this.#validate = validate;
  }

  getSnapshot(context?: SnapshotContext): SnapshotEnvelope<T> | Promise<SnapshotEnvelope<T>> {
    if (context?.reason !== 'invalidation') {
      this.#slot.list = undefined; // pulled now: what was pushed before is in the answer
      return this.#pulled(context);
    }
    const answer = this.#fromPushed();
    // Ready now (the usual case): the envelope itself, and the engine applies it at once.
    if (!isThenable(answer)) return answer ?? this.#pulled(context);
    return Promise.resolve(answer).then((a) => a ?? this.#pulled(context));
  }

  #local(): Answer<T> {
    return this.handle?.getApplied();
  }

  #fromPushed(): Maybe<Answer<T>> {
    const list = this.#slot.list;
    if (!list) return undefined;
    this.#slot.list = undefined; // used once: a later pull must ask the server
    let current = this.#local();
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
        current = entry as SnapshotEnvelope<T>; // the frame itself: the engine copies what it applies
        progressed = true;
      }
    }
    return deltas
      ? this.#chain(list, current, progressed)
      : this.#finish(list, current, progressed);
  }

  /** Every delta of `list` that starts where `current` is, in a chain. */
  #chain(list: PushedMessage[], current: Answer<T>, progressed: boolean): Maybe<Answer<T>> {
    for (;;) {
      const at = current;
      const next = list.find(
        (e) => e.delta && at && e.epoch === at.epoch && e.delta.baseRevision === at.revision,
      );
      if (!next?.delta) break;
      const result = this.#patched(next.delta as Delta, next.epoch, next.revision, current);
      if (isThenable(result))
        return Promise.resolve(result).then((r) =>
          r ? this.#chain(list, r, true) : this.#finish(list, current, progressed),
        );
      if (!result) break;
      current = result;
      progressed = true;
    }
    return this.#finish(list, current, progressed);
  }

  #finish(list: PushedMessage[], current: Answer<T>, progressed: boolean): Answer<T> {
    const metrics = this.#metrics;
    if (progressed) {
      metrics.pushed++;
      return current;
    }
    if (list.some((e) => e.delta)) metrics.deltaFallbacks++;
    return undefined;
  }

  /** The state `delta` makes of `from`, or undefined (reported when it fails) when it cannot. */
  #patched(delta: Delta, epoch: string, revision: string, from: Answer<T>): Maybe<Answer<T>> {
    // The base rule: a chain starting at the state the engine applied last, each delta exactly
    // at its base.
    if (!from || from.epoch !== epoch || from.revision !== delta.baseRevision) return undefined;
    const topic = this.#topic;
    let data: T;
    try {
      data = applyDelta(from.data as T, delta.ops);
    } catch (cause) {
      return this.#refuse(`the delta to revision ${revision} of "${topic}" does not apply`, cause);
    }
    const done = (valid: boolean): Answer<T> => {
      if (!valid)
        return this.#refuse(`the state the delta makes of "${topic}" fails the schema`, undefined);
      this.#metrics.deltas++;
      return { revision, epoch, data };
    };
    const validate = this.#validate;
    if (!validate) return done(true);
    const valid = validate(data);
    return isThenable(valid) ? Promise.resolve(valid).then(done) : done(valid);
  }

  #refuse(message: string, cause: unknown): undefined {
    this.#metrics.deltaFallbacks++;
    this.#shared.reject(this.#topic, `${message}: pulling instead`, cause);
    return undefined;
  }

  async #pulled(context: SnapshotContext | undefined): Promise<SnapshotEnvelope<T>> {
    const base = this.#local();
    const since = base?.epoch ? { epoch: base.epoch, revision: base.revision } : undefined;
    const message = await this.#pull(since, context);
    if (message.delta === undefined) {
      return { revision: message.revision, epoch: message.epoch, data: message.data as T };
    }
    const delta = message.delta as Delta;
    const result = await this.#patched(delta, message.epoch, message.revision, this.#local());
    if (result) return result;
    if (this.#local()?.revision !== delta.baseRevision) this.#metrics.deltaFallbacks++;
    // The pulled delta cannot be used (the local state moved meanwhile, say): a plain pull.
    const full = await this.#pull(undefined, context);
    return { revision: full.revision, epoch: full.epoch, data: full.data as T };
  }
}
