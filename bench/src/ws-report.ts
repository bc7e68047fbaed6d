// The WebSocket benchmark's report: the machine it ran on and the markdown results file.
import { type machine, percentile } from './harness';
import { BIG } from './payload';
import { CLIENTS, ROUNDS, type StackResult, WARMUP } from './ws-stack';

/** The median over rounds of `a[k] ÷ b[k]` (NaN when no round pairs). */
export function pairedRatio(a: number[], b: number[]): number {
  const ratios = a.flatMap((value, k) => (b[k]! > 0 ? [value / b[k]!] : []));
  return percentile(
    ratios.sort((x, y) => x - y),
    50,
  );
}

export function markdown(
  date: string,
  info: ReturnType<typeof machine>,
  results: StackResult[],
  interleaved: boolean,
): string {
  const ours = results.find((r) => r.kind === 'ours') ?? results[0]!;
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const lines = [
    `# WebSocket benchmark — ${date}`,
    '',
    `Command: \`${BIG ? 'BENCH_STATE=big ' : ''}${interleaved ? '' : 'BENCH_INTERLEAVE=0 '}pnpm --filter @state-sync/bench bench\` (${CLIENTS} clients, ${ROUNDS} measured rounds after ${WARMUP} warm-up rounds, ${BIG ? '~100 KB of JSON per state, one field changed per round' : '~0.7 KB of JSON per state'}).`,
    '',
    `Machine: ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, ${info.os}, Node ${info.node}; load average at start ${info.loadAverage.join(' / ')} (a shared machine: other work may run beside it).`,
    '',
    interleaved
      ? 'Each stack has its own server process and its own clients process, and the stacks take turns round by round (the first of each round rotates), so every stack meets the same machine state.'
      : 'BENCH_INTERLEAVE=0: the stacks run one after the other, one server process each, all clients in the benchmark process (fails an A/A check: websocket-2026-12-03k.md).',
    '',
    'Over 127.0.0.1. Latency runs from the moment the benchmark tells the server to change the',
    'state (one IPC hop, the same for every stack) to the moment each client has the new state in',
    'hand: for state-sync, after the `invalidate` frame carrying the change is checked and applied',
    "through the engine's revision gate (a client that cannot apply it pulls with `get`); for raw ws",
    'and socket.io, after the pushed state is parsed. Every sample of every client counts',
    '(clients × rounds).',
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
    'Round by round (the median over measured rounds of state-sync round k ÷ the other round k;',
    interleaved
      ? 'round k of each stack ran within the same ~0.2 s):'
      : 'the stacks ran one after the other, so round k of each met a different moment):',
    '',
    '| versus | p50 | p99 |',
    '|---|---:|---:|',
    ...results
      .filter((r) => r.kind !== 'ours')
      .map(
        (r) =>
          `| ${r.label} | ${pairedRatio(ours.roundP50s, r.roundP50s).toFixed(2)}× | ${pairedRatio(ours.roundP99s, r.roundP99s).toFixed(2)}× |`,
      ),
    '',
    'Reading it: with push on (the default), each change reaches the clients inside the',
    '`invalidate` (its delta when smaller than the state, else the state inline up to 16 KiB), so',
    'no `get` round trip; the frame is serialised once per change for all clients. The client still',
    'applies it through the revision gate, only on its exact base; anything else pulls.',
    '',
  ];
  return lines.join('\n');
}
