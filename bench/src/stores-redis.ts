// `pnpm --filter @state-sync/bench bench:stores-redis`: the Redis store against the memory store,
// same run. Writes/s on one topic (one writer; and two nodes updating it at once), and
// change→applied latency on the same node and across nodes (write on node A, engine on node B:
// Lua script → PUBLISH → B's subscriber → invalidation → get → Redis read → apply). Every
// (store, trial) runs in a fresh process, interleaved; the report gives medians over trials.
// Writes bench/results/stores-redis-<date>.md and .json. Needs Redis at REDIS_URL.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import { createMemoryStore, createSource, randomId, type SourceStore } from '@state-sync/core';
import { createRedisStore } from '@state-sync/redis';
import { type BenchData, makeData } from './payload';
import {
  formatLoad,
  type Latency,
  machineLine,
  measureApplyLatency,
  measureWriteRate,
  median,
  ROUNDS,
  round,
  runTrials,
  TRIALS,
  WARMUP,
  WRITE_MS,
} from './store-bench';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KINDS = ['memory', 'redis'] as const;
type Kind = (typeof KINDS)[number];

interface TrialResult {
  kind: Kind;
  trial: number;
  writesPerSec: number;
  /** Two nodes `update` one topic at once (Redis only): landed writes/s and conflicts retried. */
  contended?: { writesPerSec: number; conflicts: number };
  sameNode: Latency;
  crossNode?: Latency;
}

interface Nodes {
  stores: SourceStore[];
  close(): Promise<void>;
}

async function openNodes(kind: Kind, count: number): Promise<Nodes> {
  if (kind === 'memory') return { stores: [createMemoryStore()], close: async () => {} };
  const prefix = `state-sync-bench:${randomId().slice(0, 12)}`;
  const stores = Array.from({ length: count }, () => createRedisStore({ url: REDIS_URL, prefix }));
  await Promise.all(stores.map((store) => store.ready()));
  return {
    stores,
    async close() {
      await Promise.all(stores.map((store) => store.close?.()));
      const admin = createClient({ url: REDIS_URL });
      await admin.connect();
      for await (const keys of admin.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 }))
        if (keys.length > 0) await admin.del(keys);
      admin.destroy();
    },
  };
}

async function measureWrites(kind: Kind): Promise<number> {
  const nodes = await openNodes(kind, 1);
  const writesPerSec = await measureWriteRate(createSource({ store: nodes.stores[0] }));
  await nodes.close();
  return writesPerSec;
}

async function measureContended(): Promise<{ writesPerSec: number; conflicts: number }> {
  const nodes = await openNodes('redis', 2);
  const sources = nodes.stores.map((store) => createSource({ store, maxWriteAttempts: 1_000 }));
  let writes = 0;
  const start = performance.now();
  await Promise.all(
    sources.map(async (source) => {
      const topic = source.topic<BenchData>('bench', { initial: makeData(0) });
      while (performance.now() - start < WRITE_MS) {
        await topic.update((data) => ({ ...data, seq: data.seq + 1 }));
        writes++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const final = await sources[0]!.topic<BenchData>('bench').get();
  if (final.data.seq !== writes) throw new Error(`lost updates: ${final.data.seq} of ${writes}`);
  const conflicts = nodes.stores.reduce(
    (sum, store) => sum + (store.getMetrics?.().conflicts ?? 0),
    0,
  );
  await nodes.close();
  return { writesPerSec: (writes / elapsed) * 1000, conflicts };
}

async function worker(kind: Kind, trial: number): Promise<void> {
  const writesPerSec = await measureWrites(kind);
  const nodes = await openNodes(kind, 2);
  const sources = nodes.stores.map((store) => createSource({ store }));
  const sameNode = await measureApplyLatency(sources[0]!, sources[0]!);
  const result: TrialResult = { kind, trial, writesPerSec, sameNode };
  if (kind === 'redis') {
    result.crossNode = await measureApplyLatency(sources[0]!, sources[1]!);
    result.contended = await measureContended();
  }
  for (const source of sources) await source.close();
  await nodes.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function coordinator(): void {
  const loadStart = loadavg();
  const results = runTrials<TrialResult>(
    fileURLToPath(import.meta.url),
    KINDS,
    (r) =>
      `${round(r.writesPerSec, 0)} writes/s, same node p50 ${round(r.sameNode.p50)} ms${r.crossNode ? `, cross-node p50 ${round(r.crossNode.p50)} ms` : ''}`,
  );
  report(results, loadStart, loadavg());
}

function report(results: TrialResult[], loadStart: number[], loadEnd: number[]): void {
  const pick = (kind: Kind) => results.filter((r) => r.kind === kind);
  const memory = pick('memory');
  const redis = pick('redis');
  const m = {
    writes: median(memory.map((r) => r.writesPerSec)),
    p50: median(memory.map((r) => r.sameNode.p50)),
    p99: median(memory.map((r) => r.sameNode.p99)),
  };
  const r = {
    writes: median(redis.map((x) => x.writesPerSec)),
    contended: median(redis.map((x) => x.contended!.writesPerSec)),
    conflicts: median(redis.map((x) => x.contended!.conflicts)),
    p50: median(redis.map((x) => x.sameNode.p50)),
    p99: median(redis.map((x) => x.sameNode.p99)),
    crossP50: median(redis.map((x) => x.crossNode!.p50)),
    crossP99: median(redis.map((x) => x.crossNode!.p99)),
  };
  const date = new Date().toISOString().slice(0, 10);
  const machine = machineLine();
  const load = formatLoad;
  const md = `# Redis store benchmark — ${date}

Command: \`pnpm --filter @state-sync/bench bench:stores-redis\` (Redis at ${REDIS_URL.replace(/\/\/.*@/, '//')}, local;
${TRIALS} fresh processes per store, interleaved; writes for ${WRITE_MS} ms; ${ROUNDS} latency rounds after ${WARMUP}
warm-up; ~0.7 KB of JSON per state). Medians over the trials.

Machine: ${machine}; load average ${load(loadStart)} at start, ${load(loadEnd)} at end (a shared
machine: other work ran beside it, so compare ratios within this run, not absolute numbers).

- **writes/s**: one topic, one writer, each \`set(data, { ifRevision, delta })\` awaited before the
  next. On Redis each is one Lua script (compare-and-set, data, delta log, PUBLISH) plus the read
  the source does first.
- **two nodes, one topic**: two sources on their own Redis connections \`update()\` the same topic
  as fast as they can; writes that landed per second, and compare-and-set conflicts retried (no
  update lost: checked).
- **change → applied**: one change at a time, from \`topic.set()\` to an engine's applier holding
  that revision, through core's memory transport. *Same node*: the engine sits on the writing
  source. *Cross-node*: it sits on a second source with its own store and connections, so the
  change travels Lua → PUBLISH → the other node's subscriber → invalidation → get → Redis read.

| store | writes/s | ÷ memory | change→applied p50 ms | p99 ms | p50 × memory | p99 × memory |
|---|---:|---:|---:|---:|---:|---:|
| memory (createMemoryStore) | ${round(m.writes, 0)} | 1 | ${round(m.p50)} | ${round(m.p99)} | 1 | 1 |
| Redis, same node | ${round(r.writes, 0)} | ${round(r.writes / m.writes, 4)} | ${round(r.p50)} | ${round(r.p99)} | ${round(r.p50 / m.p50, 1)} | ${round(r.p99 / m.p99, 1)} |
| Redis, cross-node | — | — | ${round(r.crossP50)} | ${round(r.crossP99)} | ${round(r.crossP50 / m.p50, 1)} | ${round(r.crossP99 / m.p99, 1)} |

Two nodes updating one topic at once: ${round(r.contended, 0)} landed writes/s (${round(r.contended / r.writes, 2)} × one writer), ${r.conflicts} conflicts retried per ${WRITE_MS} ms.

Cross-node ÷ same node on Redis: p50 ${round(r.crossP50 / r.p50, 2)}×, p99 ${round(r.crossP99 / r.p99, 2)}×.

Reading it: a Redis write is two round trips (the source's read, then the script), and a change is
applied after one more (the engine's \`get\` reads Redis), so both columns follow Redis's round-trip
time on this machine, not the store's code. The PUBLISH leaves Redis inside the write script: the
other node hears of the change about when the writer gets the script's reply, so crossing nodes
adds little to the median. The spread between trials (see below) is the shared machine.

Per trial:

| store | trial | writes/s | same node p50 / p99 ms | cross-node p50 / p99 ms | two nodes writes/s (conflicts) |
|---|---:|---:|---:|---:|---:|
${results
  .map(
    (x) =>
      `| ${x.kind} | ${x.trial} | ${round(x.writesPerSec, 0)} | ${round(x.sameNode.p50)} / ${round(x.sameNode.p99)} | ${x.crossNode ? `${round(x.crossNode.p50)} / ${round(x.crossNode.p99)}` : '—'} | ${x.contended ? `${round(x.contended.writesPerSec, 0)} (${x.contended.conflicts})` : '—'} |`,
  )
  .join('\n')}
`;
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `stores-redis-${date}.md`), md);
  writeFileSync(
    join(dir, `stores-redis-${date}.json`),
    `${JSON.stringify({ date, machine, loadStart, loadEnd, TRIALS, WRITE_MS, ROUNDS, memory: m, redis: r, results }, null, 2)}\n`,
  );
  console.log(md);
}

const args = process.argv.slice(2);
if (args[0] === '--worker') await worker(args[1] as Kind, Number(args[2]));
else coordinator();
