// One benchmark server in its own process (so clients and server do not share a core):
// `ours` (state-sync over ws), `raw` (ws broadcast of the same bytes), `socketio` (io.emit).
// Driven over IPC by websocket.ts: `bump` changes the state, `mem` reports memory after GC.
import { createServer } from 'node:http';
import { createSource } from '@state-sync/core';
import { applyDelta } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import { createSyncServer } from '@state-sync/websocket/server';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { BIG, makeBigData, makeData } from './payload';
import { exitWithParent, memory } from './server-child';

const make = (seq: number): unknown => (BIG ? makeBigData(seq) : makeData(seq));

type Command =
  | { cmd: 'bump'; seq: number }
  | { cmd: 'mem' }
  | { cmd: 'stop' }
  | { cmd: 'metrics' }
  | { cmd: 'cpu' };

const kind = process.argv[2] as 'ours' | 'raw' | 'socketio';
const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  let bump: (seq: number) => void | Promise<void>;
  let stop: () => Promise<void>;
  let port: number;
  let metrics: () => unknown = () => undefined;
  if (kind === 'ours') {
    // Writes record deltas (the diff skips the untouched `items` by reference).
    const source = createSource({ diff: diffStates, applyDelta });
    const topic = source.topic('bench', { initial: make(0) });
    await topic.set(make(0));
    // Beacons off for the run (an hour): we measure the change path, not the heartbeat.
    const server = await createSyncServer({
      source,
      port: 0,
      host: '127.0.0.1',
      beaconMs: 3_600_000,
      rateLimit: false,
      maxBufferedBytes: 64 * 1024 * 1024,
    });
    port = server.port!;
    bump = async (seq) => {
      await topic.set(make(seq));
    };
    metrics = () => server.getMetrics();
    stop = () => server.close();
  } else {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as { port: number }).port;
    if (kind === 'raw') {
      const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
      bump = (seq) => {
        const frame = JSON.stringify(make(seq)); // the same bytes our snapshot carries as data
        for (const client of wss.clients) client.send(frame);
      };
      stop = () =>
        new Promise((resolve) => {
          for (const client of wss.clients) client.terminate();
          wss.close(() => http.close(() => resolve()));
        });
    } else {
      const io = new SocketIoServer(http, { transports: ['websocket'], perMessageDeflate: false });
      bump = (seq) => {
        io.emit('snapshot', make(seq));
      };
      stop = () => new Promise((resolve) => io.close(() => resolve()));
    }
  }
  exitWithParent();
  process.on('message', async (message: Command) => {
    if (message.cmd === 'bump') await bump(message.seq);
    else if (message.cmd === 'mem') send({ type: 'mem', memory: memory() });
    else if (message.cmd === 'metrics') send({ type: 'metrics', metrics: metrics() });
    else if (message.cmd === 'cpu') send({ type: 'cpu', cpu: process.cpuUsage() });
    else if (message.cmd === 'stop') {
      await stop();
      send({ type: 'stopped' });
      process.exit(0);
    }
  });
  send({ type: 'ready', port, memory: memory() });
}

void main();
