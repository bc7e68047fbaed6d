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

function peerMissing(name: string, cause: unknown): TauriSyncError {
  return new TauriSyncError(
    'peer_missing',
    `could not load @tauri-apps/api/${name}: install @tauri-apps/api 2.x or pass \`${name === 'event' ? 'listen' : 'invoke'}\` yourself`,
    { cause },
  );
}

// Imported at call time, never at module import: apps that pass their own listen/invoke never
// load the peer, and importing this package outside Tauri (SSR, tests) has no side effects.
export async function loadListen(): Promise<TauriListen> {
  try {
    return (await import('@tauri-apps/api/event')).listen as TauriListen;
  } catch (cause) {
    throw peerMissing('event', cause);
  }
}

export async function loadInvoke(): Promise<TauriInvoke> {
  try {
    return (await import('@tauri-apps/api/core')).invoke as TauriInvoke;
  } catch (cause) {
    throw peerMissing('core', cause);
  }
}
