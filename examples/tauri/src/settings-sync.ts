// Front-end wiring for one window of a Tauri 2 app whose Rust side owns the settings. Every window
// runs this same code; the Rust half is in docs/transports/tauri.md.
import type { RevisionSyncHandle } from '@state-sync/core';
import { createTauriRevisionSync } from '@state-sync/tauri';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

export interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
}

export interface SettingsStore {
  get(): Settings | undefined;
  set(next: Settings): void;
  subscribe(listener: (settings: Settings) => void): () => void;
}

/** A plain store; Pinia or Zustand plug in the same way through @state-sync/pinia or /zustand. */
export function createSettingsStore(): SettingsStore {
  let current: Settings | undefined;
  const listeners = new Set<(settings: Settings) => void>();
  return {
    get: () => current,
    set(next) {
      current = next;
      for (const listener of [...listeners]) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Starts following the Rust settings: listen first, then pull, then every change. */
export function startSettingsSync(store: SettingsStore): RevisionSyncHandle {
  const sync = createTauriRevisionSync<Settings>({
    topic: 'settings',
    // The defaults, spelled out: they must match the Rust side's event and command names.
    event: 'state-sync://invalidate',
    command: 'get_snapshot',
    listen,
    invoke,
    applier: ({ data }) => store.set(data),
    onError: ({ phase, error }) => console.warn(`[settings] ${phase} failed`, error),
  });
  // Only a failing listen rejects (e.g. the window lacks `core:event:default` in its capability).
  sync.start().catch((error: unknown) => console.error('[settings] could not subscribe', error));
  return sync;
}

/**
 * The write path: ask Rust to change the truth. The window does not touch its store; the change
 * comes back to every window, this one included, as an invalidation and then a snapshot.
 * Resolves to the new revision.
 */
export function saveSettings(patch: Partial<Settings>): Promise<string> {
  return invoke<string>('merge_state', { topic: 'settings', patch });
}
