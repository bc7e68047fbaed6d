// `pnpm --filter @state-sync/bench bench:stores`: writes/s on one topic and change→applied latency
// (source write → invalidation → engine pulls through the memory transport → applied) for each
// store in store-kinds.ts. Every (store, trial) runs in its own fresh process, interleaved, and
// the report gives the median over trials. Writes bench/results/stores-<date>.md and .json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSource } from '@state-sync/core';
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
import { STORE_KINDS } from './store-kinds';

interface TrialResult {
  kind: string;
  trial: number;
  writesPerSec: number;
  latency: Latency;
}

async function worker(name: string, trial: number): Promise<void> {
  const kind = STORE_KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`unknown store kind ${name}`);
  const forWrites = await kind.open();
  const writesPerSec = await measureWriteRate(createSource({ store: forWrites.store }));
  await forWrites.dispose();
  const opened = await kind.open();
  const source = createSource({ store: opened.store });
  const latency = await measureApplyLatency(source, source);
  await source.close();
  await opened.dispose();
  const result: TrialResult = { kind: name, trial, writesPerSec, latency };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function coordinator(): void {
  const loadStart = loadavg();
  const results = runTrials<TrialResult>(
    fileURLToPath(import.meta.url),
    STORE_KINDS.map((kind) => kind.name),
    (r) =>
      `${round(r.writesPerSec, 0)} writes/s, p50 ${round(r.latency.p50)} ms, p99 ${round(r.latency.p99)} ms`,
  );
  report(results, loadStart, loadavg());
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
  const machine = machineLine();
  const load = formatLoad;
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
