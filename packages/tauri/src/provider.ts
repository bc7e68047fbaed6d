// Snapshots from the Rust side: `invoke(command, { topic, ...args })`. The reply goes to the
// engine unvalidated; the engine checks it (and rejects a numeric revision rather than coerce it).
import type { SnapshotProvider } from '@state-sync/core';
import { requireArg } from './errors';
import { DEFAULT_COMMAND, loadInvoke, type TauriInvoke } from './tauri-api';

export interface TauriProviderOptions {
  topic: string;
  /** The `#[tauri::command]` that returns `{ revision, epoch, data }`. Default `get_snapshot`. */
  command?: string;
  /** Extra arguments for the command, merged after `topic` (so they can rename or override it). */
  args?: Record<string, unknown>;
  /** `invoke` from `@tauri-apps/api/core` or a wrapper of it. Default: imported lazily. */
  invoke?: TauriInvoke;
}

export function createTauriProvider<T>(options: TauriProviderOptions): SnapshotProvider<T> {
  const topic = requireArg('topic', options.topic, 'string');
  const command = requireArg('command', options.command ?? DEFAULT_COMMAND, 'string');
  requireArg('invoke', options.invoke, 'function');
  const args = { topic, ...options.args };
  return {
    async getSnapshot() {
      const invoke = options.invoke ?? (await loadInvoke());
      // A fresh object per call: a wrapper that mutates its arguments cannot change the next fetch.
      return (await invoke(command, { ...args })) as Awaited<
        ReturnType<SnapshotProvider<T>['getSnapshot']>
      >;
    },
  };
}
