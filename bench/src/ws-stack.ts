// One stack of the WebSocket benchmark: its server process, CLIENTS clients in this process, and
// its rounds. `openStack` connects; `round(seq)` runs one change; `finish()` measures, closes and
// returns the stack's figures. websocket.ts runs each stack in a process of its own (`serveStack`),
// a round of each in turn, or with BENCH_INTERLEAVE=0 the rounds of one stack after the other.
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectInBatches, createRounds, latencySummary, nextMessage, sleep } from './harness';
import { exitWithParent } from './server-child';
import { connectClient, type Kind, LABELS, received } from './ws-clients';

const here = dirname(fileURLToPath(import.meta.url));
export const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
export const WARMUP = 3;
const BATCH = 100;
const ROUND_TIMEOUT_MS = 10_000;

type Memory = { heapUsed: number; rss: number; external: number; arrayBuffers: number };
type ServerMessage =
  | { type: 'ready'; port: number; memory: Memory }
  | { type: 'mem'; memory: Memory }
  | { type: 'metrics'; metrics: Record<string, number> | undefined }
  | { type: 'cpu'; cpu: NodeJS.CpuUsage }
  | { type: 'stopped' };

const next = <T extends ServerMessage['type']>(child: ChildProcess, type: T) =>
  nextMessage<ServerMessage, T>(child, type);

export interface StackResult {
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
  /** Each measured round's own p50 and p99 (ms), in round order: pairs rounds across stacks. */
  roundP50s: number[];
  roundP99s: number[];
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

export interface Stack {
  /** Runs round `seq` (1 … WARMUP + ROUNDS, in order); resolves with how many clients missed it. */
  round(seq: number): Promise<number>;
  /** Stops the server and the clients; the figures of the measured rounds. */
  finish(): Promise<StackResult>;
}

function forkServer(kind: Kind): ChildProcess {
  // Bundled by run.mjs (plain JS); run from source with tsx when started directly.
  const fromSource = import.meta.url.endsWith('.ts');
  const serverKind = kind === 'rawkeep' ? 'raw' : kind === 'validated' ? 'ours' : kind;
  return fork(join(here, fromSource ? 'server-process.ts' : 'server-process.js'), [serverKind], {
    execArgv: [
      '--expose-gc',
      ...(fromSource ? ['--import', 'tsx'] : []),
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
    ],
    cwd: join(here, '..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const cpuUs = (usage: NodeJS.CpuUsage, since: NodeJS.CpuUsage = { user: 0, system: 0 }) =>
  usage.user - since.user + usage.system - since.system;

export async function openStack(kind: Kind): Promise<Stack> {
  const child = forkServer(kind);
  try {
    const { port, memory: baseline } = await next(child, 'ready');
    // Each client records, per round, when it applied that round's state.
    const rounds = createRounds(CLIENTS, WARMUP, ROUND_TIMEOUT_MS);
    const { clients, connectMs } = await connectInBatches(CLIENTS, BATCH, (i) =>
      connectClient(kind, port, (seq) => rounds.applied(i, seq)),
    );
    await sleep(500); // let the server settle before measuring idle memory
    child.send({ cmd: 'mem' });
    const { memory: loaded } = await next(child, 'mem');

    let missed = 0;
    let bytesAtStart = 0;
    let metricsAtStart: Record<string, number> | undefined;
    let cpuAtStart: NodeJS.CpuUsage | undefined;
    let serverCpuAtStart: NodeJS.CpuUsage | undefined;
    const roundP50s: number[] = [];
    const roundP99s: number[] = [];
    const round = async (seq: number): Promise<number> => {
      if (seq === WARMUP + 1) {
        bytesAtStart = received();
        child.send({ cmd: 'metrics' });
        metricsAtStart = (await next(child, 'metrics')).metrics;
        child.send({ cmd: 'cpu' });
        serverCpuAtStart = (await next(child, 'cpu')).cpu;
        cpuAtStart = process.cpuUsage();
      }
      const first = rounds.latencies.length;
      const missedNow = await rounds.run(seq, () => child.send({ cmd: 'bump', seq }));
      missed += missedNow;
      if (seq > WARMUP) {
        const own = latencySummary(rounds.latencies.slice(first));
        roundP50s.push(own.p50);
        roundP99s.push(own.p99);
      }
      return missedNow;
    };

    const finish = async (): Promise<StackResult> => {
      // Includes the 20 ms pauses between rounds (idle: no CPU) and the bench's own bookkeeping.
      const clientCpu = process.cpuUsage(cpuAtStart);
      child.send({ cmd: 'cpu' });
      const serverCpu = (await next(child, 'cpu')).cpu;
      const bytes = received() - bytesAtStart;
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
      if (child.exitCode === null) child.kill('SIGKILL');

      return {
        kind,
        label: LABELS[kind],
        clients: CLIENTS,
        rounds: ROUNDS,
        ...latencySummary(rounds.latencies),
        missed,
        roundP50s,
        roundP99s,
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
    };
    return { round, finish };
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  }
}

/** What a stack process (`serveStack`) and websocket.ts say to each other over IPC. */
export type StackCommand = { cmd: 'round'; seq: number } | { cmd: 'finish' };
export type StackReply =
  | { type: 'ready' }
  | { type: 'round'; seq: number; missed: number }
  | { type: 'result'; result: StackResult };

/**
 * The body of a stack process (not used with BENCH_INTERLEAVE=0): opens `kind`'s stack, then
 * runs each round websocket.ts asks for, so the stacks' rounds alternate on the same machine state.
 */
export async function serveStack(kind: Kind): Promise<void> {
  const send = (reply: StackReply) => process.send?.(reply);
  exitWithParent(); // nothing else would ever stop this process's server and clients
  const stack = await openStack(kind);
  process.on('message', async (command: StackCommand) => {
    if (command.cmd === 'round') {
      send({ type: 'round', seq: command.seq, missed: await stack.round(command.seq) });
    } else {
      const result = await stack.finish();
      process.send?.({ type: 'result', result } satisfies StackReply, () => process.exit(0));
    }
  });
  send({ type: 'ready' });
}
