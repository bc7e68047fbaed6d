// `pnpm --filter @state-sync/bench bench:stores`: writes/s on one topic and change→applied latency
// (source write → invalidation → engine pulls through the memory transport → applied) for each
// store in store-kinds.ts. Every (store, trial) runs in its own fresh process, interleaved, and
// the report gives the median over trials. Writes bench/results/stores-<date>.md and .json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, type as osType, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  compareRevisions,
  createMemoryTransport,
  createRevisionSync,
  createSource,
} from '@state-sync/core';
import { type BenchData, makeData } from './payload';
import { STORE_KINDS, type StoreKind } from './store-kinds';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const WRITE_MS = Number(process.env.BENCH_WRITE_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARMUP = 30;

interface TrialResult {
  kind: string;
  trial: number;
  writes: number;
  writesPerSec: number;
  latency: { p50: number; p99: number; mean: number; samples: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Sequential compare-and-set writes with a delta, as fast as the store acknowledges them. */
async function measureWrites(kind: StoreKind): Promise<{ writes: number; writesPerSec: number }> {
  const opened = await kind.open();
  const topic = createSource({ store: opened.store }).topic<BenchData>('bench');
  let revision = '0';
  const write = async (seq: number) => {
    ({ revision } = await topic.set(makeData(seq), {
      ifRevision: revision,
      delta: [{ op: 'replace', path: '/seq', value: seq }],
    }));
  };
  for (let seq = 1; seq <= WARMUP; seq++) await write(seq);
  let writes = 0;
  const start = performance.now();
  while (performance.now() - start < WRITE_MS) await write(WARMUP + ++writes);
  const elapsed = performance.now() - start;
  await opened.dispose();
  return { writes, writesPerSec: (writes / elapsed) * 1000 };
}

/** One change at a time: from calling set() to the engine's applier holding that revision. */
async function measureLatency(kind: StoreKind): Promise<TrialResult['latency']> {
  const opened = await kind.open();
  const source = createSource({ store: opened.store });
  const transport = createMemoryTransport(source);
  let last = { revision: '0', at: 0 };
  let onApply: (() => void) | undefined;
  const engine = createRevisionSync<BenchData>({
    topic: 'bench',
    subscriber: transport.subscriber('bench'),
    provider: transport.provider('bench'),
    applier: ({ revision }) => {
      last = { revision, at: performance.now() };
      onApply?.();
    },
  });
  await engine.start();
  const topic = source.topic<BenchData>('bench');
  const samples: number[] = [];
  for (let seq = 1; seq <= WARMUP + ROUNDS; seq++) {
    const start = performance.now();
    // The applier may run before set() resolves: it records the time, we compare afterwards.
    const { revision } = await topic.set(makeData(seq));
    while (compareRevisions(last.revision, revision) < 0) {
      await new Promise<void>((resolve) => {
        onApply = resolve;
      });
    }
    if (seq > WARMUP) samples.push(last.at - start);
  }
  engine.stop();
  await source.close();
  await opened.dispose();
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
    samples: samples.length,
  };
}

async function worker(name: string, trial: number): Promise<void> {
  const kind = STORE_KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`unknown store kind ${name}`);
  const writes = await measureWrites(kind);
  const latency = await measureLatency(kind);
  const result: TrialResult = { kind: name, trial, ...writes, latency };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function coordinator(): void {
  const self = fileURLToPath(import.meta.url);
  const loadStart = loadavg();
  const results: TrialResult[] = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    // Rotate the order per trial so no store always runs first (or on a warmer disk).
    const order = STORE_KINDS.map((_, i) => STORE_KINDS[(i + trial - 1) % STORE_KINDS.length]!);
    for (const kind of order) {
      const child = spawnSync(process.execPath, [self, '--worker', kind.name, String(trial)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 120_000,
      });
      if (child.status !== 0)
        throw new Error(`${kind.name} trial ${trial} failed (${child.status})`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as TrialResult;
      console.log(
        `${kind.name} trial ${trial}: ${round(result.writesPerSec, 0)} writes/s, p50 ${round(result.latency.p50)} ms, p99 ${round(result.latency.p99)} ms`,
      );
      results.push(result);
    }
  }
  const loadEnd = loadavg();
  report(results, loadStart, loadEnd);
}

function report(results: TrialResult[], loadStart: number[], loadEnd: number[]): void {
  const rows = STORE_KINDS.map((kind) => {
    const mine = results.filter((r) => r.kind === kind.name);
    return {
      kind: kind.name,
      label: kind.label,
      writesPerSec: median(mine.map((r) => r.writesPerSec)),
      p50: median(mine.map((r) => r.latency.p50)),
      p99: median(mine.map((r) => r.latency.p99)),
      trials: mine.length,
    };
  });
  const memory = rows.find((row) => row.kind === 'memory')!;
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpus();
  const machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${round(totalmem() / 2 ** 30, 1)} GiB RAM, ${osType()} ${release()}, Node ${process.version}`;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const md = `# Store benchmark — ${date}

Command: \`pnpm --filter @state-sync/bench bench:stores\` (${TRIALS} fresh processes per store,
interleaved; writes for ${WRITE_MS} ms; ${ROUNDS} latency rounds after ${WARMUP} warm-up; ~0.7 KB
of JSON per state). Medians over the trials.

Machine: ${machine}; load average ${load(loadStart)} at start, ${load(loadEnd)} at end (a shared
machine: other work ran beside it, so compare ratios within this run, not absolute numbers).

- **writes/s**: one topic, one writer, each \`set(data, { ifRevision, delta })\` awaited before the
  next (compare-and-set, data + revision + delta log entry per write).
- **change → applied**: one change at a time, from \`topic.set()\` to the engine's applier holding
  that revision, through core's memory transport (invalidation → \`get\` → store read → apply), so
  the difference between rows is the store.

| store | writes/s | ÷ memory | change→applied p50 ms | p99 ms | p50 × memory | p99 × memory |
|---|---:|---:|---:|---:|---:|---:|
${rows
  .map(
    (row) =>
      `| ${row.label} | ${round(row.writesPerSec, 0)} | ${round(row.writesPerSec / memory.writesPerSec, 4)} | ${round(row.p50)} | ${round(row.p99)} | ${round(row.p50 / memory.p50, 2)} | ${round(row.p99 / memory.p99, 2)} |`,
  )
  .join('\n')}

Reading it: every SQLite write is one transaction (data, revision, delta log entry). With
\`FULL\` each commit waits for an fsync of the WAL, so writes/s and latency follow the disk's sync
time (here a virtual ext4 disk shared with other busy processes: expect wide spread between
trials); \`NORMAL\` skips that fsync and costs a few times the memory store. Both survive a process
kill (packages/sqlite/test/crash.test.ts); only \`FULL\` also survives a power loss.

Per trial:

| store | trial | writes/s | p50 ms | p99 ms |
|---|---:|---:|---:|---:|
${results
  .map(
    (r) =>
      `| ${r.kind} | ${r.trial} | ${round(r.writesPerSec, 0)} | ${round(r.latency.p50)} | ${round(r.latency.p99)} |`,
  )
  .join('\n')}
`;
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `stores-${date}.md`), md);
  writeFileSync(
    join(dir, `stores-${date}.json`),
    `${JSON.stringify({ date, machine, loadStart, loadEnd, TRIALS, WRITE_MS, ROUNDS, rows, results }, null, 2)}\n`,
  );
  console.log(md);
}

const args = process.argv.slice(2);
if (args[0] === '--worker') await worker(args[1] as string, Number(args[2]));
else coordinator();
