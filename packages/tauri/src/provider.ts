// Snapshots from the Rust side: `invoke(command, { topic, ...args })`. The reply goes to the
// engine unvalidated; the engine checks it (and rejects a numeric revision rather than coerce it).
import type { SnapshotProvider } from '@state-sync/core';
import { isNonEmptyString as isName } from './core';
import { need, needFunction } from './errors';
import { DEFAULT_COMMAND, type TauriInvoke } from './tauri-api';

export interface TauriProviderOptions {
  topic: string;
  /** The `#[tauri::command]` that returns `{ revision, epoch, data }`. Default `get_snapshot`. */
  command?: string;
  /** Extra arguments for the command, merged after `topic` (so they can rename or override it). */
  args?: Record<string, unknown>;
  /** `invoke` from `@tauri-apps/api/core`, or a wrapper of it. */
  invoke: TauriInvoke;
}

export function createTauriProvider<T>({
  topic,
  command = DEFAULT_COMMAND,
  args,
  invoke,
}: TauriProviderOptions): SnapshotProvider<T> {
  need(isName(topic), 'topic', topic);
  need(isName(command), 'command', command);
  needFunction('invoke', invoke);
  const fixed = { topic, ...args };
  return {
    // A fresh object per call: a wrapper that mutates its arguments cannot change the next fetch.
    async getSnapshot() {
      return invoke(command, { ...fixed }) as ReturnType<SnapshotProvider<T>['getSnapshot']>;
    },
  };
}
