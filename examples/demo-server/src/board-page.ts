// The board page's DOM wiring, shared by every transport's demo (WebSocket here, HTTP in
// examples/http-board): only how the client is created differs between them.
import type { RevisionSyncHandle, SnapshotApplier, StandardSchemaV1 } from '@state-sync/core';
import { BOARD_TOPIC, type Board, type BoardOp, boardSchema } from './board';

/** What the page needs of a transport's client; the WebSocket and HTTP clients both have it. */
export interface BoardPageClient {
  status(): string;
  onStatus(listener: (status: string) => void): unknown;
  sync<T>(
    topic: string,
    options: { schema: StandardSchemaV1<unknown, T>; applier: SnapshotApplier<T>['apply'] },
  ): RevisionSyncHandle;
  mutateOp(topic: string, op: BoardOp, options: { baseRevision: string }): Promise<unknown>;
}

export function mountBoardPage(client: BoardPageClient): void {
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

  client.onStatus((status: string) => {
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
      await client.mutateOp(BOARD_TOPIC, op, { baseRevision: board.getLocalRevision() });
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
}
