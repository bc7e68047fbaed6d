// The HTTP benchmark server in its own process: state-sync's Fetch handler behind toNodeListener
// on node:http. Driven over IPC like server-process.ts: `bump`, `mem`, `stop`. Argument `push`
// (default) or `pull` (server option push: false: plain invalidations, every client pulls).
import { createServer } from 'node:http';
import { createSource } from '@state-sync/core';
import { createHttpSyncHandler, toNodeListener } from '@state-sync/http/server';
import { applyDelta } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import { makeData } from './payload';
import { exitWithParent, memory } from './server-child';

type Command = { cmd: 'bump'; seq: number } | { cmd: 'mem' } | { cmd: 'stop' };
const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  // Writes record deltas, as in the WebSocket stack (server-process.ts).
  const source = createSource({ diff: diffStates, applyDelta });
  const topic = source.topic('bench', { initial: makeData(0) });
  await topic.set(makeData(0));
  // Heartbeats and beacons off for the run (an hour): we measure the change path.
  const handler = createHttpSyncHandler({
    source,
    heartbeatMs: 3_600_000,
    beaconMs: 3_600_000,
    maxBufferedBytes: 64 * 1024 * 1024,
    push: process.argv[2] !== 'pull',
  });
  const http = createServer(toNodeListener(handler));
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  exitWithParent();
  process.on('message', async (message: Command) => {
    if (message.cmd === 'bump') await topic.set(makeData(message.seq));
    else if (message.cmd === 'mem') send({ type: 'mem', memory: memory() });
    else if (message.cmd === 'stop') {
      await handler.close();
      http.closeAllConnections();
      send({ type: 'stopped' });
      process.exit(0);
    }
  });
  send({ type: 'ready', port, memory: memory() });
}

void main();
