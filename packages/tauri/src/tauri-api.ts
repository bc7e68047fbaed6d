// The two Tauri functions this package needs, typed loosely enough that the real ones from
// `@tauri-apps/api` (and any wrapper of them) fit, and loaded lazily when not passed in.
import { TauriSyncError } from './errors';

/** What `listen` from `@tauri-apps/api/event` looks like to us. Its unlisten may return a promise. */
export type TauriListen = (
  event: string,
  handler: (event: { payload: unknown }) => void,
) => Promise<() => unknown>;

/** What `invoke` from `@tauri-apps/api/core` looks like to us. */
export type TauriInvoke = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

/** The default event name; the Rust side emits `{ topic, revision, epoch }` on it. */
export const DEFAULT_EVENT = 'state-sync://invalidate';
/** The default snapshot command; the Rust side answers `{ revision, epoch, data }` for a topic. */
export const DEFAULT_COMMAND = 'get_snapshot';

// Imported at call time, never at module import: apps that pass their own listen/invoke never
// load the peer, and importing this package outside Tauri (SSR, tests) has no side effects.
async function load<F>(name: 'listen' | 'invoke', importer: () => Promise<object>): Promise<F> {
  let fn: unknown;
  try {
    fn = (await importer())[name as keyof object];
  } catch (cause) {
    throw new TauriSyncError('peer_missing', `install @tauri-apps/api or pass ${name}`, { cause });
  }
  // A Tauri webview defines this before app code runs; a plain browser tab (the dev server opened
  // outside Tauri), SSR and Node do not, and would otherwise fail deep inside the peer.
  const internals = (globalThis as { window?: { __TAURI_INTERNALS__?: { invoke?: unknown } } })
    .window?.__TAURI_INTERNALS__;
  if (typeof internals?.invoke !== 'function') {
    throw new TauriSyncError('not_in_tauri', `not in Tauri: pass ${name} (or mockIPC())`);
  }
  return fn as F;
}

export const loadListen = (): Promise<TauriListen> =>
  load('listen', () => import('@tauri-apps/api/event'));

export const loadInvoke = (): Promise<TauriInvoke> =>
  load('invoke', () => import('@tauri-apps/api/core'));
