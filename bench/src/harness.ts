// What the latency benchmarks (websocket.ts, http.ts) share: waiting for a message from the
// server process, connecting clients in batches, percentiles and the run's hard time limit.
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends the process (exit code 2) if the run is still going after `ms`; returns what cancels it. */
export function abortAfter(ms: number): () => void {
  const timer = setTimeout(() => {
    console.error(`bench: still running after ${ms / 1000} s, aborting`);
    process.exit(2);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** The next IPC message of `type` from the server process; rejects after `timeoutMs`. */
export function nextMessage<M extends { type: string }, T extends M['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs = 20_000,
): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${type} from the server in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: M) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as Extract<M, { type: T }>);
    };
    child.on('message', onMessage);
  });
}

/** The value at percentile `p` of an ascending list (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    Number.NaN
  );
}

/** Connects `count` clients, `batch` at a time (each batch ready before the next starts). */
export async function connectInBatches<C extends { ready: Promise<unknown> }>(
  count: number,
  batch: number,
  connect: (index: number) => C,
): Promise<{ clients: C[]; connectMs: number }> {
  const start = performance.now();
  const clients: C[] = [];
  for (let first = 0; first < count; first += batch) {
    const some: C[] = [];
    for (let i = first; i < Math.min(count, first + batch); i++) some.push(connect(i));
    await Promise.all(some.map((client) => client.ready));
    clients.push(...some);
  }
  return { clients, connectMs: performance.now() - start };
}

/**
 * The rounds of one stack: `run(seq, send)` starts a change (`send` tells the server), resolves
 * when every client reported it through `applied` or after `timeoutMs`, then pauses 20 ms.
 * Latencies of rounds after `warmup` are kept in `latencies` (ms, from the send).
 */
export function createRounds(clients: number, warmup: number, timeoutMs: number) {
  const latencies: number[] = [];
  let round = -1;
  let start = 0;
  let pending = 0;
  let done: (() => void) | undefined;
  return {
    latencies,
    /** A client has `seq` in hand (the caller counts each client once per round). */
    applied(seq: number): void {
      if (seq !== round) return; // the initial snapshot, or a late duplicate
      if (round > warmup) latencies.push(performance.now() - start);
      if (--pending === 0) done?.();
    },
    /** Runs round `seq`; resolves with how many clients missed it. */
    async run(seq: number, send: () => void): Promise<number> {
      round = seq;
      pending = clients;
      const finished = new Promise<boolean>((resolve) => {
        done = () => resolve(false);
      });
      start = performance.now();
      send();
      const timedOut = await Promise.race([finished, sleep(timeoutMs).then(() => true)]);
      const missed = timedOut ? pending : 0;
      await sleep(20);
      return missed;
    },
  };
}
