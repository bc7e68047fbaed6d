// `pnpm --filter @state-sync/bench bench:server`: what one server with the DEFAULT limits costs
// per connection, and how fast it fans out one change, against a bare `ws` server in the same run.
// 1. idle: CONNECTIONS connections, each subscribed to one topic: memory per connection (heap +
//    external after GC, and RSS), then ROUNDS changes: time until every connection got the frame.
// 2. topic cap: CAPPED connections each at maxTopicsPerConnection (1,000 topics): memory per
//    connection, and the event loop's worst delay across two beacon rounds (1 s period).
// Stacks run interleaved in fresh processes RUNS times; medians are reported. Writes
// bench/results/server-memory-<date>.md and .json. Every wait has a timeout.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { machine } from './harness';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 5000);
const CAPPED = Number(process.env.BENCH_CAPPED ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const TOPIC_CAP = 1000;
const HARD_LIMIT_MS = 300_000;

type Kind = 'ours' | 'raw';
type Memory = { heapUsed: number; external: number; rss: number };

setTimeout(() => {
  console.error(`bench: still running after ${HARD_LIMIT_MS / 1000} s, aborting`);
  process.exit(2);
}, HARD_LIMIT_MS).unref();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

function serverProcess(kind: Kind, beaconMs: number) {
  const fromSource = import.meta.url.endsWith('.ts');
  const child = fork(
    join(here, fromSource ? 'server-memory-process.ts' : 'server-memory-process.js'),
    [kind, String(beaconMs)],
    {
      execArgv: ['--expose-gc', ...(fromSource ? ['--import', 'tsx'] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const next = <T>(type: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} in ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
    });
  return { child, next };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ cmd: 'stop' });
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Opens `count` connections; each subscribes to `topicsEach(i)`; counts frames per connection. */
async function connect(
  kind: Kind,
  port: number,
  count: number,
  topicsEach: (i: number) => string[],
) {
  const sockets: WebSocket[] = [];
  const received = new Array<number>(count).fill(0);
  let onFrame: ((i: number) => void) | undefined;
  for (let first = 0; first < count; first += 200) {
    const batch: Promise<void>[] = [];
    for (let i = first; i < Math.min(count, first + 200); i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
      sockets.push(ws);
      batch.push(
        new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.on('message', (data) => {
            if (kind === 'ours' && received[i] === 0) {
              // The first frame is `hello`: subscribe now, as our client does.
              const topics = topicsEach(i);
              for (let t = 0; t < topics.length; t += 1000)
                ws.send(JSON.stringify({ type: 'subscribe', topics: topics.slice(t, t + 1000) }));
              received[i] = (received[i] ?? 0) + 1;
              resolve();
              return;
            }
            if (data.toString().startsWith('{"type":"beacon"')) return;
            received[i] = (received[i] ?? 0) + 1;
            onFrame?.(i);
          });
          if (kind === 'raw')
            ws.once('open', () => {
              received[i] = (received[i] ?? 0) + 1;
              resolve();
            });
        }),
      );
    }
    await Promise.all(batch);
  }
  return {
    sockets,
    received,
    setOnFrame(handler: (i: number) => void) {
      onFrame = handler;
    },
    close() {
      for (const ws of sockets) ws.terminate();
    },
  };
}

async function idleRun(kind: Kind) {
  const { child, next } = serverProcess(kind, 30_000);
  try {
    const { port, memory: baseline } = await next<{ port: number; memory: Memory }>('ready');
    const clients = await connect(kind, port, CONNECTIONS, () => ['bench']);
    await sleep(1000);
    child.send({ cmd: 'mem' });
    const { memory } = await next<{ memory: Memory }>('mem');
    const fanOut: number[] = [];
    for (let round = 1; round <= ROUNDS + 2; round++) {
      const target = clients.received.map((n) => n + 1);
      let remaining = CONNECTIONS;
      const started = performance.now();
      const done = new Promise<void>((resolve) => {
        // O(1) per frame: the client side must not be what we measure.
        clients.setOnFrame((i) => {
          if (clients.received[i] === target[i] && --remaining === 0) resolve();
        });
      });
      child.send({ cmd: 'bump', seq: round });
      await Promise.race([done, sleep(20_000)]);
      if (round > 2) fanOut.push(performance.now() - started);
      await sleep(100);
    }
    clients.close();
    return {
      heapPerConnection:
        (memory.heapUsed + memory.external - baseline.heapUsed - baseline.external) / CONNECTIONS,
      rssPerConnection: (memory.rss - baseline.rss) / CONNECTIONS,
      fanOutMs: median(fanOut),
    };
  } finally {
    await stopServer(child);
  }
}

async function cappedRun() {
  const { child, next } = serverProcess('ours', 1000);
  try {
    const { port, memory: baseline } = await next<{ port: number; memory: Memory }>('ready');
    const clients = await connect('ours', port, CAPPED, (i) =>
      Array.from({ length: TOPIC_CAP }, (_, t) => `c${i}:t${t}`),
    );
    await sleep(1500);
    child.send({ cmd: 'mem' });
    const { memory } = await next<{ memory: Memory }>('mem');
    child.send({ cmd: 'lag' });
    await next('lag');
    await sleep(2500); // two beacon rounds over CAPPED × 1,000 topics
    child.send({ cmd: 'lag' });
    const { maxMs } = await next<{ maxMs: number }>('lag');
    clients.close();
    return {
      heapPerConnection:
        (memory.heapUsed + memory.external - baseline.heapUsed - baseline.external) / CAPPED,
      rssPerConnection: (memory.rss - baseline.rss) / CAPPED,
      beaconLagMaxMs: maxMs,
    };
  } finally {
    await stopServer(child);
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function machineWithCommit() {
  const commitLine = process.env.BENCH_SOURCES
    ? `sources from ${process.env.BENCH_SOURCES}`
    : commit();
  return { commit: commitLine, ...machine() };
}

async function main(): Promise<void> {
  const info = machineWithCommit();
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `bench:server: ${CONNECTIONS} connections, ${RUNS} runs, load ${info.loadAverage.join(' / ')}`,
  );
  const runs: Record<Kind, Array<Awaited<ReturnType<typeof idleRun>>>> = { ours: [], raw: [] };
  const capped: Array<Awaited<ReturnType<typeof cappedRun>>> = [];
  for (let run = 0; run < RUNS; run++) {
    for (const kind of ['ours', 'raw'] as const) {
      const result = await idleRun(kind);
      runs[kind].push(result);
      console.log(
        `${kind} run ${run + 1}: ${(result.heapPerConnection / 1024).toFixed(2)} KiB heap/connection, ` +
          `${(result.rssPerConnection / 1024).toFixed(2)} KiB RSS, fan-out ${result.fanOutMs.toFixed(1)} ms`,
      );
    }
    const result = await cappedRun();
    capped.push(result);
    console.log(
      `capped run ${run + 1}: ${(result.heapPerConnection / 1024).toFixed(1)} KiB heap/connection at ${TOPIC_CAP} topics, ` +
        `worst event-loop delay over two beacon rounds ${result.beaconLagMaxMs.toFixed(1)} ms`,
    );
  }
  const summary = (kind: Kind) => ({
    heapPerConnectionKiB: median(runs[kind].map((r) => r.heapPerConnection)) / 1024,
    rssPerConnectionKiB: median(runs[kind].map((r) => r.rssPerConnection)) / 1024,
    fanOutMs: median(runs[kind].map((r) => r.fanOutMs)),
  });
  const ours = summary('ours');
  const raw = summary('raw');
  const cap = {
    heapPerConnectionKiB: median(capped.map((r) => r.heapPerConnection)) / 1024,
    rssPerConnectionKiB: median(capped.map((r) => r.rssPerConnection)) / 1024,
    beaconLagMaxMs: median(capped.map((r) => r.beaconLagMaxMs)),
  };
  const f = (n: number, digits = 2) => n.toFixed(digits);
  const md = [
    `# Server memory and fan-out at the default limits — ${date}`,
    '',
    'Command: `pnpm --filter @state-sync/bench bench:server` ' +
      `(${CONNECTIONS} connections, ${ROUNDS} changes after 2 warm-up, ${RUNS} interleaved runs in fresh processes; medians).`,
    '',
    `Sources: ${info.commit}${process.env.BENCH_SOURCES ? '' : ' (git HEAD of the checkout; uncommitted changes not shown)'}.`,
    '',
    `Machine: ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, ${info.os}, Node ${info.node}; ` +
      `load average at start ${info.loadAverage.join(' / ')} (a shared machine: other work ran beside it, so times are noisy).`,
    '',
    'Server in its own process with `createSyncServer` defaults (beacon every 30 s); clients are bare `ws`',
    'sockets in a second process that subscribe to one topic after `hello`. Memory is heap + external',
    'after GC, minus the server before any connection, divided by the connections. Fan-out is the time',
    'from telling the server to change the topic until every connection has received the frame.',
    '',
    '| | heap+external / connection | RSS / connection | fan-out of one change to all |',
    '|---|---:|---:|---:|',
    `| state-sync server, idle connection with 1 topic | ${f(ours.heapPerConnectionKiB)} KiB | ${f(ours.rssPerConnectionKiB)} KiB | ${f(ours.fanOutMs, 1)} ms |`,
    `| bare ws server, same frame broadcast | ${f(raw.heapPerConnectionKiB)} KiB | ${f(raw.rssPerConnectionKiB)} KiB | ${f(raw.fanOutMs, 1)} ms |`,
    `| ratio (state-sync ÷ ws) | ${f(ours.heapPerConnectionKiB / raw.heapPerConnectionKiB)}× | ${f(ours.rssPerConnectionKiB / raw.rssPerConnectionKiB)}× | ${f(ours.fanOutMs / raw.fanOutMs)}× |`,
    '',
    `At the topic cap: ${CAPPED} connections each subscribed to ${TOPIC_CAP} distinct topics ` +
      `(${CAPPED * TOPIC_CAP} watched topics) cost ${f(cap.heapPerConnectionKiB, 1)} KiB heap+external per connection ` +
      `(${f((cap.heapPerConnectionKiB / TOPIC_CAP) * 1024, 0)} B per topic, RSS ${f(cap.rssPerConnectionKiB, 1)} KiB); ` +
      `the event loop's worst delay over two beacon rounds (1 s period, slices of 1,000 topics) was ${f(cap.beaconLagMaxMs, 1)} ms.`,
    '',
  ].join('\n');
  const dir = join(process.cwd(), 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `server-memory-${date}`);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ date, command: 'pnpm --filter @state-sync/bench bench:server', machine: info, connections: CONNECTIONS, capped: CAPPED, rounds: ROUNDS, runs: RUNS, ours, raw, cap, raw_runs: { ...runs, capped } }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, md);
  console.log(md);
  console.log(`wrote ${base}.md and .json`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
