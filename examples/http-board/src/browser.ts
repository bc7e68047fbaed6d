// The page's script (bundled by esbuild when the server starts): plain DOM, one engine for
// "board", over HTTP only: an SSE stream for invalidations, GETs for snapshots, POST for ops.
// The same board as the WebSocket demo (ops, schema), from its source file: browser-safe.

import { createHttpSyncClient } from '@state-sync/http';
import { BOARD_TOPIC, type Board, type BoardOp, boardSchema } from '../../demo-server/src/board';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const client = createHttpSyncClient({
  url: `${location.origin}/sync`,
  onError: (error) => console.warn(error.code, error.message),
});

client.onStatus((status) => {
  $('status').textContent = status;
});
$('status').textContent = client.status();

const board = client.sync<Board>(BOARD_TOPIC, {
  schema: boardSchema,
  applier: ({ revision, data }) => {
    $('count').textContent = String(data.count);
    $('revision').textContent = revision;
    $('notes').replaceChildren(
      ...data.notes.map((note) => {
        const item = document.createElement('li');
        item.textContent = note; // never innerHTML: notes come from other users
        return item;
      }),
    );
  },
});
board.onStatus((status) => {
  $('sync').textContent = status;
});

async function send(op: BoardOp): Promise<void> {
  try {
    await client.mutate(BOARD_TOPIC, op, { baseRevision: board.getLocalRevision() });
    $('error').textContent = '';
  } catch (error) {
    $('error').textContent = (error as Error).message;
  }
}

$('inc').addEventListener('click', () => void send({ type: 'increment' }));
$('inc5').addEventListener('click', () => void send({ type: 'increment', by: 5 }));
$('reset').addEventListener('click', () => void send({ type: 'reset' }));
$<HTMLFormElement>('note-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('note');
  const text = input.value;
  input.value = '';
  void send({ type: 'addNote', text });
});
