// Invalidations from the Rust side: one Tauri event carries every topic, so each payload is
// forwarded as-is and the engine validates it and filters by topic.
import type { InvalidationSubscriber } from '@state-sync/core';
import { need, needFunction } from './errors';
import { DEFAULT_EVENT, type TauriListen } from './tauri-api';

export interface TauriSubscriberOptions {
  /** Event name the Rust side emits on. Default `state-sync://invalidate`. */
  event?: string;
  /** `listen` from `@tauri-apps/api/event`, or a wrapper of it. */
  listen: TauriListen;
}

export interface TauriSubscriber extends InvalidationSubscriber {
  /** Listeners held now, including those whose `listen()` has not resolved yet. */
  listenerCount(): number;
  /** Releases every listener, even one still being registered; later subscribes reject with `closed`. */
  close(): void;
}

export function createTauriSubscriber({
  event = DEFAULT_EVENT,
  listen,
}: TauriSubscriberOptions): TauriSubscriber {
  // Tauri's own rule (Rust `EventName::new`); checked here so a typo fails at once and by name.
  need(typeof event === 'string' && /^[\p{L}\p{N}/:_-]+$/u.test(event), 'event', event);
  needFunction('listen', listen);
  const live = new Set<() => void>();
  let closed = false;
  const open = () => need(!closed, 'subscriber', event, 'closed');

  return {
    async subscribe(handler) {
      open();
      let active = true;
      let unlisten: unknown;
      // Idempotent (the unlisten is dropped once called), and safe before listen() resolved:
      // subscribe calls it again once listen() resolves and finds `active` false.
      const release = () => {
        active = false;
        live.delete(release);
        // Tauri's unlisten is async and rejects if the window or webview is already gone. The JS
        // handler is dropped before that IPC call, so nothing more can arrive: the rejection
        // carries no news (nor does a wrapper's synchronous throw, caught by the async arrow, which
        // calls it at once). With no function yet (listen() pending or resolved to something
        // else) the call throws a TypeError, swallowed too.
        (async () => (unlisten as () => unknown)())().catch(() => {});
        unlisten = undefined;
      };
      live.add(release);
      try {
        unlisten = await listen(event, (message) => {
          // Tauri may deliver before listen() resolves; after release nothing gets through.
          if (active) handler((message as { payload?: unknown } | null | undefined)?.payload);
        });
        needFunction('unlisten', unlisten, 'invalid_unlisten');
        open(); // close() came while listen() was pending (it released us): rejects with `closed`
      } catch (error) {
        release();
        throw error;
      }
      return release;
    },
    listenerCount: () => live.size,
    close() {
      closed = true;
      for (const release of live) release(); // a Set visits each once, even as they delete
    },
  };
}
