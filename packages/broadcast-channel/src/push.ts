// The client's fast path: the newest pushed state per topic (a delta or the inline state from an
// invalidation), used to answer the engine's invalidation-driven fetch without a round trip, but
// only when it provably starts where the engine stands. Everything else pulls, with `since`.
import {
  compareRevisions,
  type Revision,
  type SnapshotContext,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type StandardSchemaV1,
  type SyncErrorContext,
} from '@state-sync/core';
import { applyDelta, type DeltaOp } from '@state-sync/protocol';
import { BroadcastChannelError } from './errors';

export interface Delta {
  baseRevision: Revision;
  ops: readonly DeltaOp[];
}

/** The newest invalidation of a topic that carried its change. */
export interface Pushed {
  epoch: string | undefined;
  revision: Revision;
  delta?: Delta;
  /** Set (possibly to undefined data) when the invalidation carried the whole state. */
  inline?: { data: unknown };
}

/** Keeps the newest invalidation's change per topic; a newer one without a change clears it. */
export function notePushedState(
  states: Map<string, Pushed>,
  message: {
    topic: string;
    revision: Revision;
    epoch?: string | undefined;
    delta?: Delta;
    data?: unknown;
  },
): void {
  const known = states.get(message.topic);
  if (
    known &&
    known.epoch === message.epoch &&
    compareRevisions(message.revision, known.revision) <= 0
  )
    return; // a duplicate or a late one: the newer change stays
  if (message.delta === undefined && !('data' in message)) {
    states.delete(message.topic);
    return;
  }
  states.set(message.topic, {
    epoch: message.epoch,
    revision: message.revision,
    ...(message.delta ? { delta: message.delta } : { inline: { data: message.data } }),
  });
}

/** A snapshot reply: the state, or (to a `get` with `since`) a delta from the client's state. */
export type Reply = SnapshotEnvelope<unknown> & { delta?: Delta };

export interface PushMetrics {
  /** Engine fetches answered from a pushed state (inline or delta) instead of a `get`. */
  pushed: number;
  /** Deltas applied (pushed, or the answer to a `get` with `since`). */
  deltas: number;
  /** Deltas not used: on another base, failing to apply, or rejected by the schema. */
  deltaFallbacks: number;
}

/** What a provider knows of the engine it feeds. All optional; `createTabSync` passes them all. */
export interface PushProviderOptions<T> {
  /**
   * The engine's applied revision and epoch (`getLocalRevision`, `getEpoch`). With it, a delta is
   * applied only on the state the engine shows; without it, on the last state this provider gave.
   */
  local?: () => { revision: Revision; epoch: string | undefined };
  /** The engine's schema: a patched or inline state it rejects is reported and pulled instead. */
  schema?: StandardSchemaV1<unknown, T>;
  /** The engine's `onError`: a failed delta is reported as `protocol`, a rejected state as `apply`. */
  onError?: (context: SyncErrorContext) => void;
}

export interface PushHooks {
  metrics: PushMetrics;
  pushed(topic: string): Pushed | undefined;
  pull(
    topic: string,
    since: { epoch: string; revision: Revision } | undefined,
    signal?: AbortSignal,
  ): Promise<Reply>;
  report(error: BroadcastChannelError): void;
  /** The ack of this client's own write, if still the newest state. */
  takeAcked(topic: string): SnapshotEnvelope<unknown> | undefined;
}

interface Held {
  epoch: string | undefined;
  revision: Revision;
  data: unknown;
}

export function createPushProvider<T>(
  topic: string,
  hooks: PushHooks,
  options: PushProviderOptions<T> = {},
): SnapshotProvider<T> {
  const { metrics } = hooks;
  /** The newest state this provider handed to its engine: the base deltas apply to. */
  let held: Held | undefined;

  function hold(envelope: SnapshotEnvelope<unknown>): SnapshotEnvelope<T> {
    if (
      !held ||
      held.epoch !== envelope.epoch ||
      compareRevisions(envelope.revision, held.revision) > 0
    )
      held = { epoch: envelope.epoch, revision: envelope.revision, data: envelope.data };
    return envelope as SnapshotEnvelope<T>;
  }

  /** Where the engine stands: its own word when bound, else what this provider last gave it. */
  function local(): { revision: Revision; epoch: string | undefined } | undefined {
    return options.local ? options.local() : held;
  }

  /** The held state, when it is exactly the engine's. */
  function base(): Held | undefined {
    const at = local();
    return held && at && held.revision === at.revision && held.epoch === at.epoch
      ? held
      : undefined;
  }

  function fail(phase: 'protocol' | 'apply', error: BroadcastChannelError): void {
    metrics.deltaFallbacks++;
    hooks.report(error);
    try {
      options.onError?.({ phase, topic, error });
    } catch {
      // The app's callback must not stop the fallback pull.
    }
  }

  function accepted(data: unknown, revision: Revision): boolean {
    const schema = options.schema;
    if (!schema) return true;
    const result = schema['~standard'].validate(data);
    // An asynchronous schema: let the engine validate (it awaits); we cannot decide here.
    if (typeof (result as PromiseLike<unknown>).then === 'function') return true;
    const issues = (result as StandardSchemaV1.Result<T>).issues;
    if (!issues) return true;
    fail(
      'apply',
      new BroadcastChannelError(
        'delta_rejected',
        `the schema rejected the pushed state of "${topic}"@${revision}: ${issues.map((issue) => issue.message).join('; ')}; pulling`,
      ),
    );
    return false;
  }

  /** `held` patched by `delta`, or undefined (reported) when the ops fail. */
  function patch(from: Held, delta: Delta, revision: Revision): unknown {
    try {
      const data = applyDelta(from.data, delta.ops);
      metrics.deltas++;
      return { data };
    } catch (cause) {
      fail(
        'protocol',
        new BroadcastChannelError(
          'delta_rejected',
          `the delta ${delta.baseRevision} → ${revision} of "${topic}" does not apply; pulling`,
          { cause },
        ),
      );
      return undefined;
    }
  }

  /** The state pushed with the newest invalidation, if it provably follows the engine's. */
  function fromPush(): SnapshotEnvelope<unknown> | undefined {
    const pushed = hooks.pushed(topic);
    const at = local();
    if (
      !pushed ||
      !at ||
      pushed.epoch !== at.epoch ||
      compareRevisions(pushed.revision, at.revision) <= 0
    )
      return undefined;
    const envelope = (data: unknown) => ({
      revision: pushed.revision,
      ...(pushed.epoch !== undefined ? { epoch: pushed.epoch } : {}),
      data,
    });
    if (pushed.inline) {
      if (!accepted(pushed.inline.data, pushed.revision)) return undefined;
      return envelope(pushed.inline.data);
    }
    if (!pushed.delta) return undefined;
    const from = base();
    if (!from || from.revision !== pushed.delta.baseRevision) {
      metrics.deltaFallbacks++; // a gap (missed or coalesced change): the delta is not for us
      return undefined;
    }
    const patched = patch(from, pushed.delta, pushed.revision) as { data: unknown } | undefined;
    if (!patched || !accepted(patched.data, pushed.revision)) return undefined;
    return envelope(patched.data);
  }

  async function pull(signal: AbortSignal | undefined): Promise<SnapshotEnvelope<T>> {
    const from = base();
    const since =
      from?.epoch !== undefined ? { epoch: from.epoch, revision: from.revision } : undefined;
    const reply = await hooks.pull(topic, since, signal);
    if (!reply.delta) return hold(reply);
    const envelope = {
      revision: reply.revision,
      ...(reply.epoch !== undefined ? { epoch: reply.epoch } : {}),
    };
    // The host answered from our `since`: apply only on exactly that state.
    if (from && reply.epoch === from.epoch && reply.delta.baseRevision === from.revision) {
      const patched = patch(from, reply.delta, reply.revision) as { data: unknown } | undefined;
      if (patched) return hold({ ...envelope, data: patched.data });
    } else metrics.deltaFallbacks++;
    return hold(await hooks.pull(topic, undefined, signal));
  }

  return {
    getSnapshot(context?: SnapshotContext): Promise<SnapshotEnvelope<T>> {
      const own = hooks.takeAcked(topic);
      if (own) return Promise.resolve(hold(own));
      // Only an invalidation may be answered from what the channel brought (types.ts).
      if (context?.reason === 'invalidation') {
        const pushed = fromPush();
        if (pushed) {
          metrics.pushed++;
          return Promise.resolve(hold(pushed));
        }
      }
      return pull(context?.signal);
    },
  };
}
