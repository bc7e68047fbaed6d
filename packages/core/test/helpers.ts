import { type Deferred, deferred, settle } from '../../../test-utils/async.ts';
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type SyncErrorContext,
  type SyncStatus,
} from '../src/index';

export { deferred, settle };

/**
 * A scripted transport: the test pushes events and answers each fetch by hand, and every step is
 * written to `log` so a test can assert the exact order of subscribe, fetch and apply.
 */
export function scripted<T>() {
  const log: string[] = [];
  const fetches: Array<Deferred<SnapshotEnvelope<T>> & { signal?: AbortSignal }> = [];
  let handler: ((event: unknown) => void) | undefined;
  let unsubscribes = 0;
  const subscriber: InvalidationSubscriber = {
    async subscribe(h) {
      log.push('subscribe');
      handler = h;
      return () => {
        log.push('unsubscribe');
        unsubscribes++;
        handler = undefined;
      };
    },
  };
  const provider: SnapshotProvider<T> = {
    getSnapshot(context) {
      log.push(`fetch:${fetches.length + 1}`);
      const d = Object.assign(deferred<SnapshotEnvelope<T>>(), { signal: context?.signal });
      fetches.push(d);
      return d.promise;
    },
  };
  const applier = {
    apply(envelope: SnapshotEnvelope<T>) {
      log.push(`apply:${envelope.epoch ? `${envelope.epoch}@` : ''}${envelope.revision}`);
    },
  };
  return {
    log,
    fetches,
    subscriber,
    provider,
    applier,
    emit: (event: unknown) => handler?.(event),
    unsubscribes: () => unsubscribes,
    /** Resolves fetch number `n` (1-based) and lets the engine react. */
    async answer(n: number, envelope: SnapshotEnvelope<T>) {
      fetches[n - 1]!.resolve(envelope);
      await settle();
    },
    async fail(n: number, error: unknown = new Error('boom')) {
      fetches[n - 1]!.reject(error);
      await settle();
    },
  };
}

export type N = { n: number };
export const inv = (revision: string, epoch = 'A') => ({ topic: 't', revision, epoch });
export const snap = (revision: string, n = Number(revision), epoch = 'A') => ({
  revision,
  epoch,
  data: { n },
});

export function setup(options: Partial<Parameters<typeof createRevisionSync<N>>[0]> = {}) {
  const s = scripted<N>();
  const errors: SyncErrorContext[] = [];
  const statuses: SyncStatus[] = [];
  const sync = createRevisionSync<N>({
    topic: 't',
    subscriber: s.subscriber,
    provider: s.provider,
    applier: s.applier,
    onError: (context) => errors.push(context),
    ...options,
  });
  sync.onStatus((status) => statuses.push(status));
  return { ...s, sync, errors, statuses };
}

export async function started(options?: Parameters<typeof setup>[0], first = snap('1')) {
  const t = setup(options);
  const start = t.sync.start();
  await settle();
  await t.answer(1, first);
  await start;
  return t;
}
