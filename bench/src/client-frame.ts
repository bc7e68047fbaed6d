// `pnpm --filter @state-sync/bench bench:client-frame`: the client's cost of one pushed frame,
// from the socket's `message` event to the applier, without sockets or a server. CLIENTS
// state-sync clients on in-memory sockets each get the `invalidate` frame the 1,000-client
// benchmark sends (the 0.7 KB state inline); the baseline is what the raw `ws` clients of that
// benchmark do with the same state (JSON.parse, read `seq`). Reports wall and CPU time per frame,
// heap bytes allocated per frame, and the ratio. Writes bench/results/client-frame-<date>.md/.json.
// BENCH_EVICT=1000 makes each client's objects as cold as in the 1,000-socket run (see below):
// there every object a frame touches is a cache miss, which warm in-memory frames hide.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSyncClient, type SyncClient } from '@state-sync/websocket';
import { type BenchData, makeData } from './payload';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const WARMUP = Math.max(20, Math.round(ROUNDS / 5));
const TRIALS = Number(process.env.BENCH_TRIALS ?? 7);
const EPOCH = 'bench-epoch';
// BENCH_EVICT=n: before each frame, n reads at random places in 512 MB, so that each client's
// objects are as cold as in the 1,000-socket benchmark, where the kernel and `ws` run between
// frames (0: no eviction, the default).
const EVICT = Number(process.env.BENCH_EVICT ?? 0);
const junk = EVICT > 0 ? new Uint8Array(512 * 1024 * 1024) : new Uint8Array(0);
let seed = 12345;
const sink = { sum: 0 }; // read by nobody, written so that the reads cannot be optimised away
function evict(): void {
  for (let i = 0; i < EVICT; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    sink.sum += junk[(seed >>> 3) & 0x1fffffff]!;
  }
}

/** An in-memory socket: the client's frames go to `serve`, the server's arrive by `deliver`. */
class FakeSocket {
  static last: FakeSocket | undefined;
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    FakeSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(text: string): void {
    const message = JSON.parse(text) as { type: string; id?: string };
    if (message.type === 'auth')
      this.deliver({ type: 'hello', protocol: 1, epoch: EPOCH, heartbeatMs: 3_600_000 });
    else if (message.type === 'get')
      this.deliver({
        type: 'snapshot',
        id: message.id,
        topic: 'bench',
        revision: '1',
        epoch: EPOCH,
        data: makeData(1),
      });
  }
  deliver(message: unknown): void {
    const data = JSON.stringify(message);
    queueMicrotask(() => this.onmessage?.({ data }));
  }
  close(code?: number, reason?: string): void {
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
}

/** The frame the server sends for round `seq` (state inline: its delta is larger than it). */
const frameOf = (seq: number) =>
  JSON.stringify({
    type: 'invalidate',
    topic: 'bench',
    revision: String(seq),
    epoch: EPOCH,
    data: makeData(seq),
  });

interface Measure {
  wallUs: number;
  cpuUs: number;
  heapBytes: number;
}

/**
 * Runs `round(seq)` for each round; returns the cost per frame of the measured rounds. The heap
 * is read around one round after a GC (small enough for the young generation run.mjs sets up).
 */
async function measure(round: (seq: number) => Promise<void> | void, first: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  let seq = first;
  for (; seq < first + WARMUP; seq++) await round(seq);
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  await round(seq++);
  const heapBytes = (process.memoryUsage().heapUsed - heapBefore) / CLIENTS;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (const end = seq + ROUNDS; seq < end; seq++) await round(seq);
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const frames = CLIENTS * ROUNDS;
  return {
    wallUs: (wall * 1000) / frames,
    cpuUs: (cpu.user + cpu.system) / frames,
    heapBytes,
  } satisfies Measure;
}

async function ours(): Promise<Measure> {
  let applied = 0;
  const sockets: FakeSocket[] = [];
  const clients: SyncClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const client = createSyncClient({
      url: 'ws://bench',
      WebSocket: FakeSocket as never,
      browserEvents: false,
    });
    sockets.push(FakeSocket.last!);
    const handle = client.sync<BenchData>('bench', {
      applier: ({ data }) => {
        if (data.seq > 1) applied++;
      },
    });
    await handle.start();
    clients.push(client);
  }
  const result = await measure(async (seq) => {
    const data = frameOf(seq);
    const target = applied + CLIENTS;
    // Frames reach each socket in its own event-loop task (I/O callbacks); microtasks run
    // between them, so each client's apply chain finishes before the next frame is read.
    for (const socket of sockets) {
      evict();
      socket.onmessage!({ data });
      await undefined;
    }
    while (applied < target) await new Promise((resolve) => setImmediate(resolve));
  }, 2);
  for (const client of clients) await client.close();
  return result;
}

async function raw(): Promise<Measure> {
  let applied = 0;
  const listeners: ((data: string) => void)[] = [];
  for (let i = 0; i < CLIENTS; i++)
    listeners.push((data) => {
      if ((JSON.parse(data) as BenchData).seq > 1) applied++;
    });
  return measure(async (seq) => {
    const data = JSON.stringify(makeData(seq));
    const target = applied + CLIENTS;
    for (const listener of listeners) {
      evict();
      listener(data);
      await undefined;
    }
    if (applied !== target) throw new Error(`raw: ${target - applied} frames not applied`);
  }, 2);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const round2 = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const runs: Record<'ours' | 'raw', Measure[]> = { ours: [], raw: [] };
  // Interleaved, and the least CPU per frame is reported beside the median: on a shared machine
  // other work only ever adds time, so the minimum is the closest to the code's own cost.
  for (let trial = 0; trial < TRIALS; trial++) {
    runs.raw.push(await raw());
    runs.ours.push(await ours());
  }
  const summary = (list: Measure[]) => ({
    wallUs: round2(median(list.map((m) => m.wallUs))),
    cpuUs: round2(median(list.map((m) => m.cpuUs))),
    minCpuUs: round2(Math.min(...list.map((m) => m.cpuUs))),
    heapBytes: Math.round(median(list.map((m) => m.heapBytes))),
  });
  const o = summary(runs.ours);
  const r = summary(runs.raw);
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${osType()} ${release()}, Node ${process.version}, load average at end ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ')}`;
  const lines = [
    `# Client frame cost — ${date}`,
    '',
    `Command: \`pnpm --filter @state-sync/bench bench:client-frame\` (${CLIENTS} clients on in-memory sockets, ${ROUNDS} measured rounds after ${WARMUP} warm-up rounds, ${TRIALS} trials interleaved${EVICT > 0 ? `, BENCH_EVICT=${EVICT}: ${EVICT} random reads in 512 MB before each frame` : ''}).`,
    '',
    `Machine: ${machine} (shared: other work may run beside it).`,
    '',
    'One pushed `invalidate` carrying the 0.7 KB state, from the socket `message` event to the',
    "applier, per client per frame; the baseline is the raw `ws` benchmark client's work on the same",
    'state (JSON.parse, read `seq`). Socket and network costs are left out: they are the same bytes',
    'for both.',
    '',
    '| path | CPU µs / frame (least) | CPU µs / frame (median) | wall µs / frame (median) | heap bytes / frame |',
    '|---|---:|---:|---:|---:|',
    `| state-sync client (frame → applier) | ${o.minCpuUs} | ${o.cpuUs} | ${o.wallUs} | ${o.heapBytes} |`,
    `| raw ws client (JSON.parse) | ${r.minCpuUs} | ${r.cpuUs} | ${r.wallUs} | ${r.heapBytes} |`,
    `| ratio | ${(o.minCpuUs / r.minCpuUs).toFixed(2)}× | ${(o.cpuUs / r.cpuUs).toFixed(2)}× | ${(o.wallUs / r.wallUs).toFixed(2)}× | |`,
    '',
  ];
  const dir = join(process.cwd(), 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `client-frame-${date}`);
  if (!process.env.BENCH_NO_WRITE) {
    writeFileSync(`${base}.md`, lines.join('\n'));
    writeFileSync(
      `${base}.json`,
      `${JSON.stringify({ date, machine, clients: CLIENTS, rounds: ROUNDS, trials: TRIALS, ours: o, raw: r, runs }, null, 2)}\n`,
    );
  }
  console.log(lines.slice(-5).join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
