// createWriteTabSync: createTabSync plus the typed write path. The host tab applies the mutators
// exactly once per (clientId, seq) in the shared IndexedDB store; every tab shows its own pending
// mutations at once through core's optimistic queue. A separate factory so that createTabSync's
// bundle carries neither the queue nor the mutation handler (about 4 KB gzip).
import type { MutateFn, MutationAck, MutatorsByTopic, OptimisticQueue } from '@state-sync/core';
import { createHostMutators } from './host-mutate';
import { createTabSyncWith, type TabSync, type TabSyncOptions } from './tab-sync';
import { createClientWrites, type WriteOptions } from './writes';

export interface WriteTabSyncOptions<M extends MutatorsByTopic>
  extends TabSyncOptions,
    WriteOptions<M> {
  /** `tab.sync` engines of topics with mutators show the optimistic view. Default true. */
  optimistic?: boolean;
}

export interface WriteTabSync<M extends MutatorsByTopic> extends TabSync {
  /**
   * A mutator call, typed by `mutators`: shown at once in the optimistic view, applied once by the
   * host tab, resolved with its ack; rejects with the mutator's own `MutationRejected` (the view
   * rolls back). Sent again, same seq, to a new host when the host tab closes before answering.
   */
  mutate: MutateFn<M, MutationAck>;
  /** Core's OptimisticQueue: `syncPiniaStore/syncZustandStore({ optimistic: tab.optimistic })`. */
  readonly optimistic: OptimisticQueue<M>;
}

export function createWriteTabSync<M extends MutatorsByTopic>(
  options: WriteTabSyncOptions<M>,
): WriteTabSync<M> {
  const { writes, ...tab } = createTabSyncWith<M>(options, {
    options,
    client: (clientId, report) => createClientWrites(options, clientId, report),
    serveMutators: createHostMutators,
  });
  const queue = (writes as NonNullable<typeof writes>).queue;
  return { ...tab, mutate: queue.mutate, optimistic: queue };
}
