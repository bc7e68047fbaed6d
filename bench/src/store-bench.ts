// What the store benchmarks (bench:stores, bench:stores-redis) share: the two measurements (write
// rate, change→applied latency), the statistics, the machine line, and the coordinator that runs
// every (kind, trial) in a fresh process, interleaved.
import { spawnSync } from 'node:child_process';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  compareRevisions,
  createMemoryTransport,
  createRevisionSync,
  type Source,
} from '@state-sync/core';
import { type BenchData, makeData } from './payload';

export const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
export const WRITE_MS = Number(process.env.BENCH_WRITE_MS ?? 2000);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
export const WARMUP = 30;

export type Latency = { p50: number; p99: number; mean: number; samples: number };

export const percentile = (sorted: number[], p: number) =>
  sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number;
export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
export const round = (value: number, digits = 3) => Number(value.toFixed(digits));
export const formatLoad = (load: number[]) => load.map((x) => x.toFixed(2)).join(' / ');

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${round(totalmem() / 2 ** 30, 1)} GiB RAM, ${osType()} ${release()}, Node ${process.version}`;
}

/** Sequential compare-and-set writes with a delta, as fast as the store acknowledges them. */
export async function measureWriteRate(source: Source): Promise<number> {
  const topic = source.topic<BenchData>('bench');
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
  return (writes / (performance.now() - start)) * 1000;
}

/** One change at a time: from `set()` on `writer` to an engine on `reader` applying it. */
export async function measureApplyLatency(writer: Source, reader: Source): Promise<Latency> {
  const transport = createMemoryTransport(reader);
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
  const topic = writer.topic<BenchData>('bench');
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
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
    samples: samples.length,
  };
}

/**
 * Runs `self --worker <kind> <trial>` in a fresh process for every kind and trial, rotating the
 * order per trial so no kind always runs first; each worker prints its result as its last line.
 */
export function runTrials<R>(
  self: string,
  kinds: readonly string[],
  describe: (result: R) => string,
): R[] {
  const results: R[] = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const order = kinds.map((_, i) => kinds[(i + trial - 1) % kinds.length] as string);
    for (const kind of order) {
      const child = spawnSync(process.execPath, [self, '--worker', kind, String(trial)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 120_000,
      });
      if (child.status !== 0) throw new Error(`${kind} trial ${trial} failed (${child.status})`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as R;
      console.log(`${kind} trial ${trial}: ${describe(result)}`);
      results.push(result);
    }
  }
  return results;
}
