// `pnpm --filter @state-sync/bench bench`: one server process, CLIENTS clients in this process, on
// loopback. For each stack (state-sync, raw ws broadcast of the same bytes, socket.io broadcast,
// raw ws whose clients keep the state they parsed, as an app would, and — BENCH_STACKS=validated —
// a bare ws client of our wire protocol that parses and checks each frame, with no engine)
// it measures change→applied latency over ROUNDS changes, and the server's memory per idle client.
// Writes bench/results/websocket-<date>.md and .json. Bounded: every wait has a timeout and the
// whole run aborts after 170 s.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, type as osType, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  PROTOCOL_FEATURES,
  PROTOCOL_VERSION,
  parseFrame,
  serverFrameChecks,
  serverMessageSchemas,
} from '@state-sync/protocol';
import { createSyncClient, type SyncClient } from '@state-sync/websocket';
import { io, type Socket } from 'socket.io-client';
import { type ClientOptions, WebSocket } from 'ws';
import {
  abortAfter,
  connectInBatches,
  createRounds,
  nextMessage,
  percentile,
  sleep,
} from './harness';
import { type BenchData, BIG } from './payload';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = 3;
const BATCH = 100;
const ROUND_TIMEOUT_MS = 10_000;
const HARD_LIMIT_MS = 170_000;

type Kind = 'ours' | 'validated' | 'raw' | 'rawkeep' | 'socketio';
type Memory = { heapUsed: number; rss: number; external: number; arrayBuffers: number };
type ServerMessage =
  | { type: 'ready'; port: number; memory: Memory }
  | { type: 'mem'; memory: Memory }
  | { type: 'metrics'; metrics: Record<string, number> | undefined }
  | { type: 'cpu'; cpu: NodeJS.CpuUsage }
  | { type: 'stopped' };

const cancelHardStop = abortAfter(HARD_LIMIT_MS);

const next = <T extends ServerMessage['type']>(child: ChildProcess, type: T) =>
  nextMessage<ServerMessage, T>(child, type);

/** A client of one stack: connects, reports each applied `seq` through `onApplied`. */
interface BenchClient {
  ready: Promise<void>;
  close(): Promise<void> | void;
}

/** Bytes of every frame the clients of this process received (all stacks on `ws`). */
let bytesReceived = 0;
class CountingWebSocket extends WebSocket {
  constructor(address: string, options?: ClientOptions) {
    super(address, options);
    this.on('message', (data: Buffer) => {
      bytesReceived += data.length;
    });
  }
}

function connectClient(kind: Kind, port: number, onApplied: (seq: number) => void): BenchClient {
  const url = `ws://127.0.0.1:${port}`;
  if (kind === 'ours') {
    const client: SyncClient = createSyncClient({
      url,
      WebSocket: CountingWebSocket as never,
      browserEvents: false,
      requestTimeoutMs: 60_000,
    });
    const handle = client.sync<BenchData>('bench', { applier: ({ data }) => onApplied(data.seq) });
    return {
      ready: handle.start(),
      close: async () => {
        handle.stop();
        await client.close();
      },
    };
  }
  if (kind === 'validated') {
    // The floor under any client of our wire protocol: the same socket, each frame parsed and
    // checked as our client does (parseFrame with the invalidate fast check), the state handed
    // to the app. No pushed-state store, no engine: what `ours` costs above this is that path.
    const ws = new CountingWebSocket(url, { perMessageDeflate: false });
    let hello: () => void;
    const ready = new Promise<void>((resolve, reject) => {
      hello = resolve;
      ws.once('error', reject);
    });
    ws.once('open', () => {
      const features = [...PROTOCOL_FEATURES];
      ws.send(JSON.stringify({ type: 'auth', protocol: PROTOCOL_VERSION, features }));
      ws.send(JSON.stringify({ type: 'subscribe', topics: ['bench'] }));
    });
    ws.on('message', (data) => {
      const parsed = parseFrame(serverMessageSchemas, String(data), serverFrameChecks);
      if (!parsed.ok) return;
      const { message } = parsed;
      if (message.type === 'hello') hello();
      else if (message.type === 'invalidate' && 'data' in message)
        onApplied((message.data as BenchData).seq);
    });
    return { ready, close: () => ws.terminate() };
  }
  if (kind === 'raw' || kind === 'rawkeep') {
    const ws = new CountingWebSocket(url, { perMessageDeflate: false });
    if (kind === 'raw')
      ws.on('message', (data) => onApplied((JSON.parse(data.toString()) as BenchData).seq));
    else {
      // Keeps the state it parsed until the next one, as an app (and every state-sync client)
      // does: the garbage collector then copies each client's live state, as it does for ours.
      let state: BenchData | undefined;
      ws.on('message', (data) => {
        state = JSON.parse(data.toString()) as BenchData;
        onApplied(state.seq);
      });
    }
    return {
      ready: new Promise((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      close: () => ws.terminate(),
    };
  }
  const socket: Socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  socket.on('snapshot', (data: BenchData) => onApplied(data.seq));
  return {
    ready: new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    }),
    close: () => {
      socket.disconnect();
    },
  };
}

interface StackResult {
  kind: Kind;
  label: string;
  clients: number;
  rounds: number;
  samples: number;
  missed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  connectMs: number;
  /** Bytes each client received per measured change (ws stacks; socket.io: not counted). */
  bytesPerClientPerChange: number | undefined;
  /** Server-side serialisations of invalidation frames per change (state-sync only). */
  serialisationsPerChange: number | undefined;
  pushedPerChange: number | undefined;
  pullsPerChange: number | undefined;
  serverMemoryPerClient: { heapBytes: number; rssBytes: number };
  /** CPU time (user + system) over the measured rounds, per frame a client received. */
  clientCpuUsPerFrame: number;
  /** The kernel's part of it (system time: reading the sockets), per frame. */
  clientSystemCpuUsPerFrame: number;
  /** CPU time of the server process over the measured rounds, per change. */
  serverCpuMsPerChange: number;
}

const LABELS: Record<Kind, string> = {
  ours: 'state-sync (invalidate carrying the change → apply; push on)',
  raw: 'raw ws broadcast of the same bytes',
  rawkeep: 'raw ws broadcast, each client keeping the state it parsed',
  validated: 'our frames on a bare ws client: parse + frame checks → app (no engine)',
  socketio: 'socket.io broadcast (io.emit)',
};

async function runStack(kind: Kind): Promise<StackResult> {
  // Bundled by run.mjs (plain JS); run from source with tsx when started directly.
  const fromSource = import.meta.url.endsWith('.ts');
  const serverKind = kind === 'rawkeep' ? 'raw' : kind === 'validated' ? 'ours' : kind;
  const child = fork(
    join(here, fromSource ? 'server-process.ts' : 'server-process.js'),
    [serverKind],
    {
      execArgv: [
        '--expose-gc',
        ...(fromSource ? ['--import', 'tsx'] : []),
        ...(process.env.BENCH_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
          : []),
      ],
      cwd: join(here, '..'),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  try {
    const { port, memory: baseline } = await next(child, 'ready');
    // Each client records, per round, when it applied that round's state.
    const rounds = createRounds(CLIENTS, WARMUP, ROUND_TIMEOUT_MS);
    const appliedBy = new Array<number>(CLIENTS).fill(-1);
    const { clients, connectMs } = await connectInBatches(CLIENTS, BATCH, (i) =>
      connectClient(kind, port, (seq) => {
        if (appliedBy[i] === seq) return; // count each client once per round
        appliedBy[i] = seq;
        rounds.applied(seq);
      }),
    );
    await sleep(500); // let the server settle before measuring idle memory
    child.send({ cmd: 'mem' });
    const { memory: loaded } = await next(child, 'mem');

    let missed = 0;
    let bytesAtStart = 0;
    let metricsAtStart: Record<string, number> | undefined;
    let cpuAtStart: NodeJS.CpuUsage | undefined;
    let serverCpuAtStart: NodeJS.CpuUsage | undefined;
    for (let round = 1; round <= WARMUP + ROUNDS; round++) {
      if (round === WARMUP + 1) {
        bytesAtStart = bytesReceived;
        child.send({ cmd: 'metrics' });
        metricsAtStart = (await next(child, 'metrics')).metrics;
        child.send({ cmd: 'cpu' });
        serverCpuAtStart = (await next(child, 'cpu')).cpu;
        cpuAtStart = process.cpuUsage();
      }
      missed += await rounds.run(round, () => child.send({ cmd: 'bump', seq: round }));
    }
    // Includes the 20 ms pauses between rounds (idle: no CPU) and the bench's own bookkeeping.
    const clientCpu = process.cpuUsage(cpuAtStart);
    child.send({ cmd: 'cpu' });
    const serverCpu = (await next(child, 'cpu')).cpu;
    const cpuUs = (usage: NodeJS.CpuUsage, since: NodeJS.CpuUsage = { user: 0, system: 0 }) =>
      usage.user - since.user + usage.system - since.system;
    const bytes = bytesReceived - bytesAtStart;
    child.send({ cmd: 'metrics' });
    const metricsAtEnd = (await next(child, 'metrics')).metrics;
    const perChange = (key: string) =>
      metricsAtEnd && metricsAtStart
        ? Math.round(((metricsAtEnd[key]! - metricsAtStart[key]!) / ROUNDS) * 100) / 100
        : undefined;
    await Promise.all(clients.map((client) => client.close()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ cmd: 'stop' });
    await Promise.race([exited, sleep(5000)]);

    const sorted = [...rounds.latencies].sort((a, b) => a - b);
    const round3 = (n: number) => Math.round(n * 1000) / 1000;
    return {
      kind,
      label: LABELS[kind],
      clients: CLIENTS,
      rounds: ROUNDS,
      samples: sorted.length,
      missed,
      p50: round3(percentile(sorted, 50)),
      p90: round3(percentile(sorted, 90)),
      p99: round3(percentile(sorted, 99)),
      max: round3(sorted.at(-1) ?? Number.NaN),
      mean: round3(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
      connectMs: Math.round(connectMs),
      bytesPerClientPerChange:
        kind === 'socketio' ? undefined : Math.round(bytes / (ROUNDS * CLIENTS)),
      serialisationsPerChange: perChange('invalidationFrames'),
      pushedPerChange: perChange('invalidationsSent'),
      pullsPerChange: perChange('snapshotsSent'),
      clientCpuUsPerFrame: Math.round((cpuUs(clientCpu) / (ROUNDS * CLIENTS)) * 100) / 100,
      clientSystemCpuUsPerFrame: Math.round((clientCpu.system / (ROUNDS * CLIENTS)) * 100) / 100,
      serverCpuMsPerChange:
        Math.round((cpuUs(serverCpu, serverCpuAtStart) / ROUNDS / 1000) * 100) / 100,
      serverMemoryPerClient: {
        heapBytes: Math.round(
          (loaded.heapUsed + loaded.external - baseline.heapUsed - baseline.external) / CLIENTS,
        ),
        rssBytes: Math.round((loaded.rss - baseline.rss) / CLIENTS),
      },
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function machine() {
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

function markdown(date: string, info: ReturnType<typeof machine>, results: StackResult[]): string {
  const ours = results.find((r) => r.kind === 'ours') ?? results[0]!;
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const lines = [
    `# WebSocket benchmark — ${date}`,
    '',
    `Command: \`${BIG ? 'BENCH_STATE=big ' : ''}pnpm --filter @state-sync/bench bench\` (${CLIENTS} clients, ${ROUNDS} measured rounds after ${WARMUP} warm-up rounds, ${BIG ? '~100 KB of JSON per state, one field changed per round' : '~0.7 KB of JSON per state'}).`,
    '',
    `Machine: ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, ${info.os}, Node ${info.node}; load average at start ${info.loadAverage.join(' / ')} (a shared machine: other work may run beside it).`,
    '',
    'One server process; all clients in a second process, over 127.0.0.1. Latency runs from the',
    'moment the benchmark tells the server to change the state (one IPC hop, the same for every',
    'stack) to the moment each client has the new state in hand: for state-sync, after the',
    "`invalidate` → `get` → `snapshot` round trip and the engine's apply; for raw ws and socket.io,",
    'after the pushed state is parsed. Every sample of every client counts (clients × rounds).',
    '',
    '| stack | p50 ms | p90 ms | p99 ms | max ms | mean ms | samples | missed | server memory / idle client (heap+external) | (RSS) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.mean} | ${r.samples} | ${r.missed} | ${kb(r.serverMemoryPerClient.heapBytes)} | ${kb(r.serverMemoryPerClient.rssBytes)} |`,
    ),
    '',
    'Bytes, CPU and work per change (measured rounds only; CPU is user + system time of each process, the clients process divided by the frames its clients received):',
    '',
    '| stack | bytes received per client per change | client CPU µs per frame | server CPU ms per change | invalidation serialisations per change (server) | invalidations sent per change | snapshots pulled per change |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.bytesPerClientPerChange ?? 'n/a'} | ${r.clientCpuUsPerFrame} | ${r.serverCpuMsPerChange} | ${r.serialisationsPerChange ?? 'n/a'} | ${r.pushedPerChange ?? 'n/a'} | ${r.pullsPerChange ?? 'n/a'} |`,
    ),
    '',
    'Ratios (state-sync ÷ other, latency):',
    '',
    '| versus | p50 | p99 |',
    '|---|---:|---:|',
    ...results
      .filter((r) => r.kind !== 'ours')
      .map((r) => `| ${r.label} | ${ratio(ours.p50, r.p50)} | ${ratio(ours.p99, r.p99)} |`),
    '',
    'Reading it: with push on (the default), each change reaches the clients inside the',
    '`invalidate` (its delta when smaller than the state, else the state inline up to 16 KiB), so',
    'no `get` round trip; the frame is serialised once per change for all clients. The client still',
    'applies it through the revision gate, only on its exact base; anything else pulls.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const info = machine();
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `bench: ${CLIENTS} clients, ${ROUNDS} rounds, ${info.cpuModel} × ${info.cores}, Node ${info.node}`,
  );
  const results: StackResult[] = [];
  const kinds = (process.env.BENCH_STACKS?.split(',') ?? [
    'ours',
    'raw',
    'socketio',
    'rawkeep',
  ]) as Kind[];
  for (const kind of kinds) {
    const started = performance.now();
    const result = await runStack(kind);
    results.push(result);
    console.log(
      `${result.label}: p50 ${result.p50} ms, p99 ${result.p99} ms, missed ${result.missed}, ` +
        `client CPU ${result.clientCpuUsPerFrame} µs/frame (system ${result.clientSystemCpuUsPerFrame}), server CPU ${result.serverCpuMsPerChange} ms/change, ` +
        `server memory per idle client ${(result.serverMemoryPerClient.heapBytes / 1024).toFixed(1)} KiB heap ` +
        `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  const dir = join(process.cwd(), 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `websocket-${BIG ? 'big-state-' : ''}${date}`);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ date, command: 'pnpm --filter @state-sync/bench bench', machine: info, clients: CLIENTS, rounds: ROUNDS, warmup: WARMUP, results }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, markdown(date, info, results));
  const ours = results[0]!;
  for (const other of results.slice(1)) {
    console.log(
      `ratio vs ${other.kind}: p50 ${(ours.p50 / other.p50).toFixed(2)}×, p99 ${(ours.p99 / other.p99).toFixed(2)}×`,
    );
  }
  console.log(`wrote ${base}.md and .json`);
  cancelHardStop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
