// What every benchmark server process (server-process.ts, http-server-process.ts,
// server-memory-process.ts) does the same way: report its memory, and go when its parent goes
// (as a WebSocket benchmark's stack process does too: ws-stack.ts).

/** Heap, RSS and off-heap memory after three full GCs (run with --expose-gc). */
export function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  const usage = process.memoryUsage();
  return {
    heapUsed: usage.heapUsed,
    rss: usage.rss,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
}

/**
 * Exits once the benchmark that forked this server is gone (it failed or was killed): nothing
 * would ever send `stop`, and the listening socket would keep this process alive.
 */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(1));
}
