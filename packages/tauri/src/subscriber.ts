// Invalidations from the Rust side: one Tauri event carries every topic, so each payload is
// forwarded as-is and the engine validates it and filters by topic.
import type { InvalidationSubscriber } from '@state-sync/core';
import { requireArg, TauriSyncError } from './errors';
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
// dropped before that IPC call, so nothing more can arrive: the rejection carries no news.
function callUnlisten(unlisten: () => unknown): void {
  try {
    const result = unlisten();
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, () => {});
    }
  } catch {
    // Same reasoning for a wrapper that throws synchronously.
  }
}

export function createTauriSubscriber(options: TauriSubscriberOptions = {}): TauriSubscriber {
  const event = requireArg('event', options.event ?? DEFAULT_EVENT, 'string');
  // Tauri's own rule (Rust `EventName::new`); checked here so a typo fails at once and by name.
  if (!/^[\p{L}\p{N}\-/:_]+$/u.test(event)) {
    throw new TauriSyncError(
      'invalid_argument',
      `event ${JSON.stringify(event)}: use only letters, digits, -, /, : and _`,
    );
  }
  requireArg('listen', options.listen, 'function');
  const live = new Set<() => void>();
  let closed = false;
  const closedError = () => new TauriSyncError('closed', `the subscriber for "${event}" is closed`);

  return {
    async subscribe(handler) {
      if (closed) throw closedError();
      const listen = options.listen ?? (await loadListen());
      if (closed) throw closedError();
      let active = true;
      let unlisten: (() => unknown) | undefined;
      // Idempotent, and safe before listen() resolved: then the unlisten runs once it arrives.
      const release = () => {
        if (!active) return;
        active = false;
        live.delete(release);
        if (unlisten) callUnlisten(unlisten);
      };
      live.add(release);
      let result: unknown;
      try {
        result = await listen(event, (message) => {
          // Tauri may deliver before listen() resolves; after release nothing gets through.
          if (active) handler((message as { payload?: unknown } | null | undefined)?.payload);
        });
      } catch (error) {
        active = false;
        live.delete(release);
        throw error;
      }
      if (typeof result !== 'function') {
        active = false;
        live.delete(release);
        throw new TauriSyncError(
          'invalid_unlisten',
          `listen("${event}") did not resolve to an unlisten function`,
        );
      }
      unlisten = result as () => unknown;
      if (!active) {
        callUnlisten(unlisten); // close() came while listen() was pending
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
