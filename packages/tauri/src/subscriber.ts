// Invalidations from the Rust side: one Tauri event carries every topic, so each payload is
// forwarded as-is and the engine validates it and filters by topic.
import type { InvalidationSubscriber } from '@state-sync/core';
import { describe, requireArg, TauriSyncError } from './errors';
import { DEFAULT_EVENT, loadListen, type TauriListen } from './tauri-api';

export interface TauriSubscriberOptions {
  /** Event name the Rust side emits on. Default `state-sync://invalidate`. */
  event?: string;
  /** `listen` from `@tauri-apps/api/event` or a wrapper of it. Default: imported lazily. */
  listen?: TauriListen;
}

export interface TauriSubscriber extends InvalidationSubscriber {
  /** Listeners held now, including those whose `listen()` has not resolved yet. */
  listenerCount(): number;
  /** Releases every listener, even one still being registered; later subscribes reject with `closed`. */
  close(): void;
}

// Tauri's unlisten is async and rejects if the window or webview is already gone. The JS handler is
// dropped before that IPC call, so nothing more can arrive: the rejection carries no news (and a
// wrapper that throws synchronously carries none either).
function callUnlisten(unlisten: () => unknown): void {
  try {
    Promise.resolve(unlisten()).catch(() => {});
  } catch {}
}

export function createTauriSubscriber(options: TauriSubscriberOptions = {}): TauriSubscriber {
  const event = requireArg('event', options.event ?? DEFAULT_EVENT, 'string');
  // Tauri's own rule (Rust `EventName::new`); checked here so a typo fails at once and by name.
  if (!/^[\p{L}\p{N}\-/:_]+$/u.test(event)) {
    throw new TauriSyncError('invalid_argument', `event ${describe(event)} has a bad character`);
  }
  requireArg('listen', options.listen, 'function');
  const live = new Set<() => void>();
  let closed = false;
  const closedError = () =>
    new TauriSyncError('closed', `subscriber for ${describe(event)} closed`);

  return {
    async subscribe(handler) {
      if (closed) throw closedError();
      const listen = options.listen ?? (await loadListen());
      if (closed) throw closedError();
      let active = true;
      let unlisten: unknown;
      // Idempotent, and safe before listen() resolved: then the unlisten runs once it arrives.
      const release = () => {
        if (!active) return;
        active = false;
        live.delete(release);
        if (unlisten) callUnlisten(unlisten as () => unknown);
      };
      live.add(release);
      try {
        unlisten = await listen(event, (message) => {
          // Tauri may deliver before listen() resolves; after release nothing gets through.
          if (active) handler((message as { payload?: unknown } | null | undefined)?.payload);
        });
        if (typeof unlisten !== 'function') {
          unlisten = undefined;
          throw new TauriSyncError(
            'invalid_unlisten',
            `listen(${describe(event)}) gave no unlisten`,
          );
        }
      } catch (error) {
        release();
        throw error;
      }
      if (!active) {
        callUnlisten(unlisten as () => unknown); // close() came while listen() was pending
        throw closedError();
      }
      return release;
    },
    listenerCount: () => live.size,
    close() {
      closed = true;
      for (const release of [...live]) release();
    },
  };
}
