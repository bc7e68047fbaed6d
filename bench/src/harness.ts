// What the latency benchmarks (websocket.ts, http.ts, server-memory.ts) share: waiting for a
// message from the server process, connecting clients in batches, percentiles, the run's hard
// time limit and the machine the results were measured on.
import type { ChildProcess } from 'node:child_process';
import { cpus, freemem, loadavg, type as osType, release, totalmem } from 'node:os';
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

/** Count, percentiles, max and mean (ms, to the µs) of a stack's latency samples. */
export function latencySummary(latencies: readonly number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    samples: sorted.length,
    p50: round3(percentile(sorted, 50)),
    p90: round3(percentile(sorted, 90)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted.at(-1) ?? Number.NaN),
    mean: round3(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
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
 * Latencies of rounds after `warmup` are kept in `latencies` (ms, from the send); each client
 * counts once per round, however often it reports.
 */
export function createRounds(clients: number, warmup: number, timeoutMs: number) {
  const latencies: number[] = [];
  let round = -1;
  let start = 0;
  let pending = 0;
  let done: (() => void) | undefined;
  const appliedBy = new Array<number>(clients).fill(-1);
  return {
    latencies,
    /** Client number `client` (0 … clients − 1) has `seq` in hand. */
    applied(client: number, seq: number): void {
      if (seq !== round || appliedBy[client] === seq) return; // the initial snapshot, or again
      appliedBy[client] = seq;
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

/** The machine a results file names: CPU, cores, memory, load at the start, OS and Node. */
export function machine() {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

/** A state-sync handle as a benchmark client: ready once started, closed with its client. */
export function handleClient(
  handle: { start(): Promise<unknown>; stop(): void },
  client: { close(): unknown },
): { ready: Promise<void>; close(): Promise<void> } {
  return {
    ready: handle.start().then(() => undefined),
    close: async () => {
      handle.stop();
      await client.close();
    },
  };
}
