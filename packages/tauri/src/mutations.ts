// The write path over Tauri (docs/writes.md, docs/transports/tauri.md "Writes"): mutators defined
// once, core's optimistic queue in the webview, and the Rust side applying each (clientId, seq)
// once behind one command. Replies and event payloads come from another process: checked here.
import type {
  InvalidationSubscriber,
  MutateFn,
  MutationAck,
  MutationRequest,
  MutatorsByTopic,
  OptimisticQueue,
  OutboxOptions,
  RevisionSyncHandle,
  SnapshotProvider,
} from '@state-sync/core';
import { createOptimisticQueue, createRevisionSync, isRevision, MutationRejected } from './core';
import { need, needFunction, TauriSyncError } from './errors';
import { createTauriProvider, type TauriProviderOptions } from './provider';
import type { TauriRevisionSyncOptions } from './revision-sync';
import { createTauriSubscriber, type TauriSubscriberOptions } from './subscriber';
import type { TauriInvoke } from './tauri-api';

/** The default command the Rust side applies a mutation in. */
export const DEFAULT_MUTATION_COMMAND = 'apply_mutation';

export interface TauriMutationsOptions<M extends MutatorsByTopic> extends OutboxOptions {
  /** Topic → its mutators (`defineMutators`); the Rust side implements the same names. */
  mutators: M;
  /** The `#[tauri::command]` applying one mutation. Default `apply_mutation`. */
  command?: string;
  /** `invoke` from `@tauri-apps/api/core` or a wrapper of it (this package never imports it). */
  invoke: TauriInvoke;
  /** This webview's id in `(clientId, seq)`. Default: random (a reload is a new client). */
  clientId?: string;
  /** A failed invoke that is not a refusal is sent again after this many ms. Default 1000. */
  retryMs?: number;
  /** Malformed replies and payloads, failed invokes (retried), a mutator throwing locally. */
  onError?: (error: unknown) => void;
}

export interface TauriMutationMetrics {
  /** Replies and event payloads with a malformed write-path field (rejected, reported). */
  invalid: number;
  /** Invokes sent again after a failure that was not a refusal. */
  retries: number;
}

export interface TauriMutations<M extends MutatorsByTopic> {
  /** Typed by the mutators: applies at once to the view, resolves with the Rust side's ack. */
  mutate: MutateFn<M, MutationAck>;
  /** Core's OptimisticQueue: `syncPiniaStore/syncZustandStore({ optimistic })`, `pending()`. */
  readonly optimistic: OptimisticQueue<M>;
  readonly clientId: string;
  /** A Tauri subscriber whose payloads' `mutation` marks reach the queue before the engine. */
  subscriber(options: TauriSubscriberOptions): InvalidationSubscriber;
  /** A Tauri provider that sends `clientId` and confirms the reply's `lastAppliedSeq`. */
  provider<T>(options: TauriProviderOptions): SnapshotProvider<T>;
  /** `createTauriRevisionSync` with both, and the applier fed the optimistic view. */
  sync<T>(options: TauriRevisionSyncOptions<T>): RevisionSyncHandle;
  getMetrics(): TauriMutationMetrics;
  /** Rejects pending mutations with `stopped` and cancels a scheduled retry. */
  stop(): void;
}

const isCount = (value: unknown, min: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min;

/** The Rust side's reply, checked: `{ revision, epoch, lastAppliedSeq, duplicate? }`. */
function readAck(reply: unknown): MutationAck | string {
  const r = (reply ?? {}) as Partial<Record<keyof MutationAck, unknown>>;
  if (!isRevision(r.revision)) return 'revision must be a canonical u64 decimal string';
  if (typeof r.epoch !== 'string' || r.epoch === '') return 'epoch must be a non-empty string';
  if (!isCount(r.lastAppliedSeq, 1)) return 'lastAppliedSeq must be a positive integer';
  if (r.duplicate !== undefined && r.duplicate !== true) return 'duplicate must be true or absent';
  return {
    revision: r.revision,
    epoch: r.epoch,
    lastAppliedSeq: r.lastAppliedSeq,
    ...(r.duplicate ? { duplicate: true } : {}),
  };
}

/** A refusal is `Err({ code, message, rejected: true })`; anything else is a failure to retry. */
function readRefusal(error: unknown): MutationRejected | undefined {
  const e = error as { code?: unknown; message?: unknown; rejected?: unknown } | null;
  if (e?.rejected !== true || typeof e.code !== 'string' || typeof e.message !== 'string')
    return undefined;
  return new MutationRejected(e.code.slice(0, 200), e.message);
}

export function createTauriMutations<M extends MutatorsByTopic>(
  options: TauriMutationsOptions<M>,
): TauriMutations<M> {
  const command = options.command ?? DEFAULT_MUTATION_COMMAND;
  need(typeof command === 'string' && command.trim() !== '', 'command', command);
  needFunction('invoke', options.invoke);
  const invoke = options.invoke;
  const retryMs = options.retryMs ?? 1000;
  need(isCount(retryMs, 1), 'retryMs', retryMs);
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // The app's callback must not break the queue.
    }
  };
  const timers = options.timers ?? {
    setTimeout: (callback: () => void, ms: number) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle: unknown) =>
      globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  const metrics: TauriMutationMetrics = { invalid: 0, retries: 0 };
  let retry: unknown;
  const invalid = (problem: string) => {
    metrics.invalid++;
    return new TauriSyncError('invalid_reply', problem);
  };

  async function send(request: MutationRequest): Promise<MutationAck> {
    let reply: unknown;
    try {
      reply = await invoke(command, { ...request });
    } catch (error) {
      const refusal = readRefusal(error);
      if (refusal) throw refusal;
      throw failed(error);
    }
    const ack = readAck(reply);
    if (typeof ack === 'string') throw failed(invalid(`${command} replied badly: ${ack}`));
    return ack;
  }

  /** Not a refusal: whether it was applied is unknown, so the same seq goes out again later. */
  function failed(error: unknown): unknown {
    retry ??= timers.setTimeout(() => {
      retry = undefined;
      metrics.retries++;
      queue.resend();
    }, retryMs);
    return error;
  }

  const queue = createOptimisticQueue<M>({
    ...options,
    send,
    onError: report,
  });

  /** Hands a payload's mark to the queue when well formed; reports a malformed mark. */
  function observe(payload: unknown): void {
    const p = payload as {
      topic?: unknown;
      revision?: unknown;
      epoch?: unknown;
      mutation?: unknown;
    };
    if (typeof p !== 'object' || p === null || p.mutation === undefined) return;
    const mark = p.mutation as { clientId?: unknown; seq?: unknown } | null;
    if (
      typeof p.topic !== 'string' ||
      !isRevision(p.revision) ||
      (p.epoch !== undefined && typeof p.epoch !== 'string') ||
      typeof mark?.clientId !== 'string' ||
      !isCount(mark.seq, 1)
    ) {
      report(invalid('an invalidation carries a malformed mutation mark: { clientId, seq >= 1 }'));
      return;
    }
    queue.observe({
      topic: p.topic,
      revision: p.revision,
      ...(p.epoch !== undefined ? { epoch: p.epoch as string } : {}),
      mutation: { clientId: mark.clientId, seq: mark.seq },
    });
  }

  function subscriber(subscriberOptions: TauriSubscriberOptions): InvalidationSubscriber {
    const inner = createTauriSubscriber(subscriberOptions);
    return {
      subscribe: (handler) =>
        inner.subscribe((payload) => {
          observe(payload);
          handler(payload);
        }),
    };
  }

  function provider<T>(providerOptions: TauriProviderOptions): SnapshotProvider<T> {
    const inner = createTauriProvider<T>({
      ...providerOptions,
      args: { clientId: queue.clientId, ...providerOptions.args },
    });
    return {
      async getSnapshot() {
        const snapshot = await inner.getSnapshot();
        const seq = (snapshot as { lastAppliedSeq?: unknown }).lastAppliedSeq;
        if (seq !== undefined) {
          // The engine checks revision and epoch; a bad seq is dropped (the ack still confirms).
          if (isCount(seq, 0) && isRevision(snapshot.revision)) {
            queue.confirm(providerOptions.topic, seq, snapshot.revision, snapshot.epoch);
          } else report(invalid(`lastAppliedSeq ${String(JSON.stringify(seq))} is not a count`));
        }
        return snapshot;
      },
    };
  }

  return {
    mutate: queue.mutate,
    optimistic: queue,
    clientId: queue.clientId,
    subscriber,
    provider,
    sync<T>(syncOptions: TauriRevisionSyncOptions<T>) {
      const { event, listen, command: get, args, invoke, ...engine } = syncOptions;
      const applier = queue.applier<T>(
        syncOptions.topic,
        typeof engine.applier === 'function' ? { apply: engine.applier } : engine.applier,
      );
      const handle = createRevisionSync<T>({
        ...engine,
        applier,
        subscriber: subscriber({ event, listen }),
        provider: provider<T>({ topic: syncOptions.topic, command: get, args, invoke }),
      });
      handle.onStatus((status) => {
        if (status === 'stopped') applier.dispose();
      });
      return handle;
    },
    getMetrics: () => ({ ...metrics }),
    stop() {
      if (retry !== undefined) timers.clearTimeout(retry);
      retry = undefined;
      queue.stop();
    },
  };
}
