import type { RevisionSyncHandle, RevisionSyncOptions } from '@state-sync/core';
import { createRevisionSync } from './core';
import { createTauriProvider, type TauriProviderOptions } from './provider';
import { createTauriSubscriber, type TauriSubscriberOptions } from './subscriber';

export interface TauriRevisionSyncOptions<T>
  extends Omit<RevisionSyncOptions<T>, 'subscriber' | 'provider'>,
    TauriSubscriberOptions,
    Omit<TauriProviderOptions, 'topic'> {}

/** One call: a Tauri subscriber and provider for `topic`, wired into `createRevisionSync`. */
export function createTauriRevisionSync<T>(
  options: TauriRevisionSyncOptions<T>,
): RevisionSyncHandle {
  const { event, listen, command, args, invoke, ...engine } = options;
  return createRevisionSync<T>({
    ...engine,
    subscriber: createTauriSubscriber({ event, listen }),
    provider: createTauriProvider<T>({ topic: options.topic, command, args, invoke }),
  });
}
