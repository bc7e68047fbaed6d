// The server side of server-memory.ts, in its own process: `ours` (createSyncServer with its
// default limits) or `raw` (a bare ws server). Driven over IPC: `mem` reports memory after GC,
// `bump` changes the topic (ours) or broadcasts a frame of the same size (raw), `lag` reports the
// event loop's worst delay since the last `lag`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSource } from '@state-sync/core';
import { createSyncServer } from '@state-sync/websocket/server';
import { WebSocketServer } from 'ws';
import { exitWithParent, memory } from './server-child';

type Command = { cmd: 'mem' } | { cmd: 'bump'; seq: number } | { cmd: 'lag' } | { cmd: 'stop' };

const kind = process.argv[2] as 'ours' | 'raw';
const beaconMs = Number(process.argv[3] ?? 30_000);
const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let bump: (seq: number) => void | Promise<void>;
  let stop: () => Promise<void>;
  let port: number;
  if (kind === 'ours') {
    const source = createSource();
    const topic = source.topic('bench', { initial: { seq: 0 } });
    // Default limits; only the beacon period is chosen by the run.
    const server = await createSyncServer({ source, port: 0, host: '127.0.0.1', beaconMs });
    port = server.port!;
    bump = async (seq) => {
      await topic.set({ seq });
    };
    stop = () => server.close();
  } else {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    port = (wss.address() as { port: number }).port;
    const epoch = 'e'.repeat(36);
    bump = (seq) => {
      // The size of our invalidate frame, serialised once, written to every socket.
      const frame = JSON.stringify({
        type: 'invalidate',
        topic: 'bench',
        revision: String(seq),
        epoch,
      });
      for (const client of wss.clients) client.send(frame);
    };
    stop = () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      });
  }
  exitWithParent();
  process.on('message', async (message: Command) => {
    if (message.cmd === 'mem') send({ type: 'mem', memory: memory() });
    else if (message.cmd === 'bump') await bump(message.seq);
    else if (message.cmd === 'lag') {
      send({ type: 'lag', maxMs: lag.max / 1e6 });
      lag.reset();
    } else if (message.cmd === 'stop') {
      await stop();
      send({ type: 'stopped' });
      process.exit(0);
    }
  });
  send({ type: 'ready', port, memory: memory() });
}

void main();
