// `pnpm --filter @state-sync/bench bench:http`: CLIENTS clients in this process against one server
// process on loopback, for four stacks in the same run: state-sync over HTTP with push (the change
// rides on the SSE invalidation), over HTTP with push off (SSE invalidation → GET snapshot →
// apply), state-sync over WebSocket, and a raw ws broadcast of the same bytes.
// Change→applied latency over ROUNDS changes and server memory per idle client. Writes
// bench/results/http-<date>.md and .json. Bounded: every wait has a timeout, the run aborts after 480 s.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpSyncClient } from '@state-sync/http';
import { createSyncClient } from '@state-sync/websocket';
import { WebSocket } from 'ws';
import {
  abortAfter,
  connectInBatches,
  createRounds,
  handleClient,
  latencySummary,
  machine,
  nextMessage,
  sleep,
} from './harness';
import type { BenchData } from './payload';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = 3;
const BATCH = 100;
const ROUND_TIMEOUT_MS = 15_000;
const HARD_LIMIT_MS = 480_000;

type Kind = 'http' | 'http-pull' | 'ours' | 'raw';
type Memory = { heapUsed: number; rss: number; external: number };
const LABELS: Record<Kind, string> = {
  http: 'state-sync over HTTP, push (SSE invalidate with delta → apply)',
  'http-pull': 'state-sync over HTTP, push off (SSE invalidate → GET snapshot → apply)',
  ours: 'state-sync over WebSocket, push (invalidate with delta → apply)',
  raw: 'raw ws broadcast of the same bytes',
};

const cancelHardStop = abortAfter(HARD_LIMIT_MS);

type ServerMessage = { type: 'ready' | 'mem'; port: number; memory: Memory };
const next = (child: ChildProcess, type: ServerMessage['type']) =>
  nextMessage<ServerMessage, ServerMessage['type']>(child, type, 30_000);

function connect(kind: Kind, port: number, onApplied: (seq: number) => void) {
  if (kind === 'http' || kind === 'http-pull') {
    const client = createHttpSyncClient({
      url: `http://127.0.0.1:${port}`,
      browserEvents: false,
      push: kind === 'http',
      requestTimeoutMs: 60_000,
      connectTimeoutMs: 60_000,
    });
    const handle = client.sync<BenchData>('bench', { applier: ({ data }) => onApplied(data.seq) });
    return handleClient(handle, client);
  }
  if (kind === 'ours') {
    const client = createSyncClient({
      url: `ws://127.0.0.1:${port}`,
      WebSocket,
      browserEvents: false,
      requestTimeoutMs: 60_000,
    });
    const handle = client.sync<BenchData>('bench', { applier: ({ data }) => onApplied(data.seq) });
    return handleClient(handle, client);
  }
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  ws.on('message', (data) => onApplied((JSON.parse(data.toString()) as BenchData).seq));
  return {
    ready: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    close: () => ws.terminate(),
  };
}

async function runStack(kind: Kind) {
  const overHttp = kind === 'http' || kind === 'http-pull';
  const script = overHttp ? 'http-server-process.js' : 'server-process.js';
  const args = overHttp ? [kind === 'http' ? 'push' : 'pull'] : [kind];
  const child = fork(join(here, script), args, {
    execArgv: ['--expose-gc'],
    cwd: join(here, '..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { port, memory: baseline } = await next(child, 'ready');
    const rounds = createRounds(CLIENTS, WARMUP, ROUND_TIMEOUT_MS);
    const { clients, connectMs } = await connectInBatches(CLIENTS, BATCH, (i) =>
      connect(kind, port, (seq) => rounds.applied(i, seq)),
    );
    await sleep(500);
    child.send({ cmd: 'mem' });
    const { memory: loaded } = await next(child, 'mem');
    let missed = 0;
    for (let round = 1; round <= WARMUP + ROUNDS; round++) {
      missed += await rounds.run(round, () => child.send({ cmd: 'bump', seq: round }));
    }
    await Promise.all(clients.map((client) => client.close()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ cmd: 'stop' });
    await Promise.race([exited, sleep(5000)]);
    return {
      kind,
      label: LABELS[kind],
      ...latencySummary(rounds.latencies),
      missed,
      connectMs: Math.round(connectMs),
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

async function main(): Promise<void> {
  const info = machine();
  const date = new Date().toISOString().slice(0, 10);
  const env = ['BENCH_CLIENTS', 'BENCH_ROUNDS', 'BENCH_STACKS']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]} `)
    .join('');
  const command = `${env}pnpm --filter @state-sync/bench bench:http`;
  console.log(
    `bench:http: ${CLIENTS} clients, ${ROUNDS} rounds, load ${info.loadAverage.join(' / ')}`,
  );
  const kinds = (process.env.BENCH_STACKS?.split(',') ?? [
    'http',
    'http-pull',
    'ours',
    'raw',
  ]) as Kind[];
  const results = [];
  for (const kind of kinds) {
    const result = await runStack(kind);
    results.push(result);
    console.log(
      `${result.label}: p50 ${result.p50} ms, p99 ${result.p99} ms, missed ${result.missed}, ${(result.serverMemoryPerClient.heapBytes / 1024).toFixed(1)} KiB heap per idle client`,
    );
  }
  const loadAfter = loadavg().map((n) => Math.round(n * 100) / 100);
  const http = results.find((r) => r.kind === 'http');
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const md = [
    `# HTTP (SSE) benchmark — ${date}`,
    '',
    `Command: \`${command}\` (${CLIENTS} clients, ${ROUNDS} measured rounds after ${WARMUP} warm-up rounds, ~0.7 KB of JSON per state).`,
    '',
    `Machine: ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, ${info.os}, Node ${info.node}; load average ${info.loadAverage.join(' / ')} at start, ${loadAfter.join(' / ')} at the end (a shared machine: other work ran beside it, so compare the stacks within this run, not across runs).`,
    '',
    'One server process; all clients in a second process, over 127.0.0.1, no cache in between.',
    'Latency runs from the moment the benchmark tells the server to change the state (one IPC hop,',
    'the same for every stack) to the moment each client has the new state in hand.',
    '',
    '| stack | p50 ms | p90 ms | p99 ms | max ms | samples | missed | connect all (ms) | server memory / idle client (heap+external) | (RSS) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.samples} | ${r.missed} | ${r.connectMs} | ${kb(r.serverMemoryPerClient.heapBytes)} | ${kb(r.serverMemoryPerClient.rssBytes)} |`,
    ),
    '',
    'Ratios (HTTP ÷ other, latency):',
    '',
    '| versus | p50 | p99 |',
    '|---|---:|---:|',
    ...(http
      ? results
          .filter((r) => r.kind !== 'http')
          .map((r) => `| ${r.label} | ${ratio(http.p50, r.p50)} | ${ratio(http.p99, r.p99)} |`)
      : []),
    '',
    'Reading it: with push the change (a delta of the ~0.7 KB state) rides on the SSE invalidation,',
    'serialised once and written to every stream, so no client sends a request. With push off every',
    'client opens a second connection for its snapshot GET (the SSE connection is busy streaming) and',
    'each pull is a full HTTP request; without a cache the origin answers all of them. Behind a cache',
    '(packages/http/test/cache.test.ts: nginx with proxy_cache_lock) the origin answers one per revision.',
    ...(process.env.BENCH_NOTE ? ['', process.env.BENCH_NOTE] : []),
    '',
  ].join('\n');
  const dir = join(process.cwd(), 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `http-${date}`);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ date, command, machine: info, loadAfter, clients: CLIENTS, rounds: ROUNDS, warmup: WARMUP, results }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, md);
  console.log(`wrote ${base}.md and .json`);
  cancelHardStop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
