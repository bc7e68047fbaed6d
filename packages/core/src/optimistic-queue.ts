// The client side of the write path, transport-independent: mutations apply to a local view at
// once, are sent one at a time in order (resent after a drop), and leave the view once the
// confirmed state includes them or the server refused them. The server's state always wins.

import { randomId } from './memory-store';
import type { MutationAck, MutationRequest } from './mutation-handler';
import { argsRejected, findMutator, type MutateFn, type MutatorsByTopic } from './mutators';
import { createOutbox, type Outbox, type OutboxEntry, type OutboxOptions } from './outbox';
import { compareRevisions, type Revision } from './revision';
import type { InvalidationEvent, SnapshotApplier, SnapshotEnvelope } from './types';

export interface OptimisticQueueOptions<M extends MutatorsByTopic> extends OutboxOptions {
  mutators: M;
  /**
   * The transport's hook: deliver one mutation and resolve with the server's ack. Reject with
   * `MutationRejected` when the server refused it, with anything else when the link failed: the
   * queue then holds it (and everything behind it) until `resend()`.
   */
  send(request: MutationRequest): Promise<MutationAck>;
  /** Default: a random id per queue (a reload is a new client). */
  clientId?: string;
  /** A local apply that throws (the server will decide), a failed send… Never thrown. */
  onError?: (error: unknown) => void;
}

/** A mutation the view still shows, for UI ("saving…"). */
export interface PendingMutation {
  topic: string;
  name: string;
  args: unknown;
  /** Assigned when sent; undefined while queued (debounced or behind another). */
  seq?: number;
  /** The server acked it; it stays in the view until the state that includes it arrives. */
  acked: boolean;
}

export interface OptimisticQueue<M extends MutatorsByTopic> {
  readonly clientId: string;
  /** Applies at once to the view; resolves with the ack once the server applied it. */
  mutate: MutateFn<M, MutationAck>;
  /** The confirmed state of `topic` with the pending mutations on top (undefined before any). */
  view<S = unknown>(topic: string): S | undefined;
  /** Feed every confirmed state the engine applies (or use `applier`, which does it). */
  applyConfirmed(topic: string, envelope: SnapshotEnvelope<unknown>): void;
  /** The state of `topic` at `revision` includes this client's mutations up to `seq`. */
  confirm(topic: string, seq: number, revision: Revision, epoch?: string): void;
  /** Confirms from an invalidation that carries this client's `mutation` mark; ignores others. */
  observe(event: InvalidationEvent): void;
  /** Wraps an applier so it receives the optimistic view instead of the confirmed state. */
  applier<T>(
    topic: string,
    inner: SnapshotApplier<T>,
    onPending?: (pending: PendingMutation[]) => void,
  ): OptimisticApplier<T>;
  /** After a reconnect: resends the mutation in flight, then the rest, in order. */
  resend(): void;
  pending(topic?: string): PendingMutation[];
  /** Called after the view or the pending mutations of a topic may have changed. */
  subscribe(listener: (topic: string) => void): () => void;
  /** Rejects every unanswered mutation with `stopped`; nothing is sent afterwards. */
  stop(): void;
}

/**
 * An applier fed the optimistic view (and `onPending` with the topic's pending list); it listens
 * to the queue from its first apply until `dispose`, so a stopped and restarted sync listens again.
 */
export interface OptimisticApplier<T> extends SnapshotApplier<T> {
  dispose(): void;
}

interface Confirmed {
  revision: Revision;
  epoch?: string;
  data: unknown;
}

export function createOptimisticQueue<M extends MutatorsByTopic>(
  options: OptimisticQueueOptions<M>,
): OptimisticQueue<M> {
  const { mutators, onError = () => {} } = options;
  const clientId = options.clientId ?? randomId();
  const confirmed = new Map<string, Confirmed>();
  const views = new Map<string, unknown>();
  const listeners = new Set<(topic: string) => void>();
  const outbox: Outbox = createOutbox(options, {
    send: (entry, seq) =>
      options.send({ topic: entry.topic, name: entry.name, args: entry.args, clientId, seq }),
    settled: (entry) => recompute(entry.topic),
    onError,
  });

  /** Whether the confirmed state shows the entry's effect (or, another epoch, replaced it). */
  function included(entry: OutboxEntry, state: Confirmed | undefined): boolean {
    const at = entry.includedAt;
    if (!at || !state) return false;
    if (at.epoch !== undefined && state.epoch !== undefined && at.epoch !== state.epoch)
      return true;
    return compareRevisions(at.revision, state.revision) <= 0;
  }

  function recompute(topic: string): void {
    const state = confirmed.get(topic);
    let view = state?.data;
    if (state) {
      for (const entry of outbox.entries()) {
        if (entry.topic !== topic || entry.rejected || included(entry, state)) continue;
        try {
          view = findMutator(mutators, topic, entry.name).apply(view, entry.local, {
            topic,
            clientId,
            seq: entry.seq ?? 0,
            server: false,
          });
        } catch (error) {
          // The local copy cannot apply it (the server may still): it simply is not shown.
          onError(error);
        }
      }
    }
    outbox.prune((entry) => entry.topic === topic && included(entry, state));
    views.set(topic, view);
    // Also when only `pending` changed (an ack): a UI may show "saving…" from it.
    for (const listener of [...listeners]) listener(topic);
  }

  function pending(topic?: string): PendingMutation[] {
    return outbox
      .entries()
      .filter((entry) => !entry.rejected && (topic === undefined || entry.topic === topic))
      .map((entry) => ({
        topic: entry.topic,
        name: entry.name,
        args: entry.args,
        seq: entry.seq,
        acked: entry.acked,
      }));
  }

  function applyConfirmed(topic: string, envelope: SnapshotEnvelope<unknown>): void {
    const { revision, epoch, data } = envelope;
    confirmed.set(topic, { revision, epoch, data });
    views.delete(topic);
    recompute(topic);
  }

  function confirm(topic: string, seq: number, revision: Revision, epoch?: string): void {
    outbox.markIncluded(topic, seq, { revision, epoch });
    recompute(topic);
  }

  const mutate = (async (topic: string, name: string, args: unknown) => {
    const mutator = findMutator(mutators, topic, name);
    let result = mutator.args['~standard'].validate(args);
    if (result instanceof Promise) result = await result;
    if (result.issues) throw argsRejected(name, result.issues);
    const ack = outbox.add(topic, name, args, result.value);
    recompute(topic);
    return ack;
  }) as MutateFn<M, MutationAck>;

  return {
    clientId,
    mutate,
    view: <S>(topic: string) => views.get(topic) as S | undefined,
    applyConfirmed,
    confirm,
    observe(event) {
      const mark = event.mutation;
      if (mark?.clientId === clientId) confirm(event.topic, mark.seq, event.revision, event.epoch);
    },
    applier<T>(
      topic: string,
      inner: SnapshotApplier<T>,
      onPending?: (pending: PendingMutation[]) => void,
    ): OptimisticApplier<T> {
      let last: SnapshotEnvelope<T> | undefined;
      let applying = false;
      let shown: unknown;
      const push = () => {
        shown = views.get(topic);
        return inner.apply({ ...(last as SnapshotEnvelope<T>), data: shown as T });
      };
      // A mutation, an ack or a refusal changes the view between snapshots: the applier sees it.
      const listener = (changed: string) => {
        if (changed !== topic) return;
        onPending?.(pending(topic));
        if (!last || applying || views.get(topic) === shown) return;
        try {
          void Promise.resolve(push()).catch(onError);
        } catch (error) {
          onError(error);
        }
      };
      return {
        apply(envelope) {
          // Registered here, not at creation, so a stopped and restarted sync listens again.
          listeners.add(listener);
          last = envelope;
          applying = true;
          try {
            applyConfirmed(topic, envelope);
          } finally {
            applying = false;
          }
          return push();
        },
        dispose() {
          listeners.delete(listener);
          last = undefined;
        },
      };
    },
    resend: () => outbox.resend(),
    pending,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop() {
      outbox.stop();
      listeners.clear();
    },
  };
}
