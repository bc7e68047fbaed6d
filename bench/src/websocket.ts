// `pnpm --filter @state-sync/bench bench`: for each stack (state-sync, raw ws broadcast of the same
// bytes, socket.io broadcast, raw ws whose clients keep the state they parsed, as an app would,
// and — BENCH_STACKS=validated — a bare ws client of our wire protocol that parses and checks each
// frame, with no engine) it measures change→applied latency of CLIENTS loopback clients over ROUNDS
// changes, and the server's memory per idle client (ws-stack.ts).
//
// By default each stack has a process of its own (this file, `stack <kind>`) and the stacks'
// rounds alternate: a machine that drifts between a fast and a slow state over seconds then slows
// every stack alike, instead of whichever ran at the time. BENCH_INTERLEAVE=0 runs the stacks one
// after the other, all clients in this process (as every result before 2026-12-03k did); that way
// fails an A/A check — the same stack run twice, the first run is 6 % slower at p50 and 13 % at
// p99 in the median of twelve runs, 0.83–1.43× apart (bench/results/websocket-2026-12-03k.md).
//
// Writes bench/results/websocket-<date>.md and .json. Bounded: every wait has a timeout and the
// whole run aborts after 170 s.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { abortAfter, machine, nextMessage } from './harness';
import { BIG } from './payload';
import type { Kind } from './ws-clients';
import { markdown, pairedRatio } from './ws-report';
import {
  CLIENTS,
  openStack,
  ROUNDS,
  type StackReply,
  type StackResult,
  serveStack,
  WARMUP,
} from './ws-stack';

const HARD_LIMIT_MS = 170_000;
const SETUP_TIMEOUT_MS = 60_000;
const INTERLEAVED = process.env.BENCH_INTERLEAVE !== '0';

const cancelHardStop = abortAfter(HARD_LIMIT_MS);

function report(result: StackResult, seconds: number): void {
  console.log(
    `${result.label}: p50 ${result.p50} ms, p99 ${result.p99} ms, missed ${result.missed}, ` +
      `client CPU ${result.clientCpuUsPerFrame} µs/frame (system ${result.clientSystemCpuUsPerFrame}), server CPU ${result.serverCpuMsPerChange} ms/change, ` +
      `server memory per idle client ${(result.serverMemoryPerClient.heapBytes / 1024).toFixed(1)} KiB heap ` +
      `(${seconds.toFixed(1)} s)`,
  );
}

/** Each stack in turn: its rounds, then the next stack's. */
async function runInTurn(kinds: Kind[]): Promise<StackResult[]> {
  const results: StackResult[] = [];
  for (const kind of kinds) {
    const started = performance.now();
    const stack = await openStack(kind);
    for (let seq = 1; seq <= WARMUP + ROUNDS; seq++) await stack.round(seq);
    const result = await stack.finish();
    report(result, (performance.now() - started) / 1000);
    results.push(result);
  }
  return results;
}

/** Each stack in a process of its own; round k of every stack before round k + 1 of any. */
async function runInterleaved(kinds: Kind[]): Promise<StackResult[]> {
  const started = performance.now();
  const self = fileURLToPath(import.meta.url);
  const fromSource = self.endsWith('.ts');
  const children: ChildProcess[] = [];
  const next = <T extends StackReply['type']>(child: ChildProcess, type: T, timeoutMs?: number) =>
    nextMessage<StackReply, T>(child, type, timeoutMs);
  try {
    // One stack connects at a time: connecting 1,000 clients would slow the others' setup.
    for (const kind of kinds) {
      const child = fork(self, ['stack', kind], {
        execArgv: ['--expose-gc', ...(fromSource ? ['--import', 'tsx'] : [])],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      await next(child, 'ready', SETUP_TIMEOUT_MS);
    }
    for (let seq = 1; seq <= WARMUP + ROUNDS; seq++) {
      for (let i = 0; i < children.length; i++) {
        const child = children[(seq + i) % children.length]!;
        child.send({ cmd: 'round', seq });
        await next(child, 'round');
      }
    }
    const results: StackResult[] = [];
    for (const child of children) {
      child.send({ cmd: 'finish' });
      const { result } = await next(child, 'result');
      report(result, (performance.now() - started) / 1000);
      results.push(result);
    }
    return results;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const info = machine();
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `bench: ${CLIENTS} clients, ${ROUNDS} rounds, ${INTERLEAVED ? 'interleaved' : 'in turn'}, ${info.cpuModel} × ${info.cores}, Node ${info.node}`,
  );
  const kinds = (process.env.BENCH_STACKS?.split(',') ?? [
    'ours',
    'raw',
    'socketio',
    'rawkeep',
  ]) as Kind[];
  const results = INTERLEAVED ? await runInterleaved(kinds) : await runInTurn(kinds);
  const dir = join(process.cwd(), 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `websocket-${BIG ? 'big-state-' : ''}${date}`);
  const command = `${INTERLEAVED ? '' : 'BENCH_INTERLEAVE=0 '}pnpm --filter @state-sync/bench bench`;
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ date, command, interleaved: INTERLEAVED, machine: info, clients: CLIENTS, rounds: ROUNDS, warmup: WARMUP, results }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, markdown(date, info, results, INTERLEAVED));
  const ours = results[0]!;
  for (const other of results.slice(1)) {
    console.log(
      `ratio vs ${other.kind}: p50 ${(ours.p50 / other.p50).toFixed(2)}×, p99 ${(ours.p99 / other.p99).toFixed(2)}×; ` +
        `round by round ${pairedRatio(ours.roundP50s, other.roundP50s).toFixed(2)}× / ${pairedRatio(ours.roundP99s, other.roundP99s).toFixed(2)}×`,
    );
  }
  console.log(`wrote ${base}.md and .json`);
  cancelHardStop();
}

if (process.argv[2] === 'stack') {
  serveStack(process.argv[3] as Kind)
    .then(cancelHardStop)
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
