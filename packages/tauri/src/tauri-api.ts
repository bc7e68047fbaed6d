// The two Tauri functions this package needs, typed loosely enough that the real ones from
// `@tauri-apps/api` (and any wrapper of them) fit. The app passes them in: this package never
// imports `@tauri-apps/api`, so importing it outside Tauri (SSR, tests) loads nothing.

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
