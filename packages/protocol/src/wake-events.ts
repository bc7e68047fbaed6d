// Browsers tell a client when the network is back (`online`) or the user looks again
// (`visibilitychange` → visible): moments to reconnect at once or pull, as timers may have slept.
// Shared by the network transports' clients; it touches no browser API until called.

/** Calls `onWake` on those events; returns the detach function, or undefined outside a browser. */
export function listenForWake(onWake: () => void): (() => void) | undefined {
  const win = typeof window === 'undefined' ? undefined : window;
  const doc = typeof document === 'undefined' ? undefined : document;
  if (!win?.addEventListener) return;
  const onVisibility = () => {
    if (doc?.visibilityState === 'visible') onWake();
  };
  win.addEventListener('online', onWake);
  doc?.addEventListener('visibilitychange', onVisibility);
  return () => {
    win.removeEventListener('online', onWake);
    doc?.removeEventListener('visibilitychange', onVisibility);
  };
}
