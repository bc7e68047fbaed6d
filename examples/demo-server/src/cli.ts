#!/usr/bin/env -S npx tsx
import { createSyncClient } from '@state-sync/websocket';
// `pnpm demo`: the demo server, plus a Node client that prints every update of "board" and bumps
// the count every few seconds. Ctrl-C stops it; DEMO_EXIT_AFTER_MS=5000 stops it by itself.
// `pnpm demo --store sqlite [--db FILE]` keeps the board in SQLite, so it survives a restart.
import { WebSocket } from 'ws';
import { BOARD_TOPIC, type Board, boardSchema, startDemoServer } from './index';
import { openDemoStore, parseStoreArgs } from './store';

const storeChoice = parseStoreArgs(process.argv.slice(2));
const store = await openDemoStore(storeChoice);
const server = await startDemoServer({ store });
console.log(
  `\nstate-sync demo\n  page:      ${server.url}   (open it in two tabs)\n  websocket: ${server.wsUrl}\n  store:     ${storeChoice.kind === 'sqlite' ? `sqlite ${storeChoice.path} (survives a restart)` : 'memory (pass --store sqlite to keep the board across restarts)'}\n  Ctrl-C to stop\n`,
);

const client = createSyncClient({
  url: server.wsUrl,
  WebSocket,
  onError: (error) => console.warn(`[node client] ${error.code}: ${error.message}`),
});
const board = client.sync<Board>(BOARD_TOPIC, {
  schema: boardSchema,
  applier: ({ revision, data }) => {
    const notes = data.notes.length ? `, last note: ${JSON.stringify(data.notes.at(-1))}` : '';
    console.log(
      `[node client] board @${revision}: count=${data.count}, ${data.notes.length} note(s)${notes}`,
    );
  },
});
await board.start();

const tickMs = Number(process.env.DEMO_TICK_MS ?? 5000);
const ticker = setInterval(() => {
  client
    .mutateOp(BOARD_TOPIC, { type: 'increment' })
    .catch((error: Error) => console.warn(`[node client] ${error.message}`));
}, tickMs);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the demo`);
  clearInterval(ticker);
  board.stop();
  await client.close();
  await server.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
const exitAfter = Number(process.env.DEMO_EXIT_AFTER_MS);
if (exitAfter > 0) setTimeout(() => void stop(`DEMO_EXIT_AFTER_MS=${exitAfter}`), exitAfter);
