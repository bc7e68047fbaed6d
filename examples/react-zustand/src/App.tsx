// Connects to the demo server (URL from `?ws=`, default ws://127.0.0.1:8787) and syncs the board
// while mounted. StrictMode mounts twice: useZustandSync starts and stops symmetrically.

import { createSyncClient } from '@state-sync/websocket';
import { useZustandSync } from '@state-sync/zustand/react';
import { type FormEvent, useState } from 'react';
import { type Board, useBoard } from './board';

const url = new URLSearchParams(location.search).get('ws') ?? 'ws://127.0.0.1:8787';
const client = createSyncClient({ url });

export function App() {
  const { status, sync } = useZustandSync(useBoard, {
    topic: 'board',
    subscriber: client.subscriber('board'),
    provider: client.provider<Board>('board'),
    omit: ['draft'],
  });
  const error = sync?.statusStore.getState().error;
  const count = useBoard((s) => s.count);
  const notes = useBoard((s) => s.notes);
  const draft = useBoard((s) => s.draft);
  const setDraft = useBoard((s) => s.setDraft);
  const [failure, setFailure] = useState('');

  // Writes go to the server as operations; its next snapshot updates the store.
  const send = (op: unknown) => {
    setFailure('');
    client.mutateOp('board', op).catch((cause: unknown) => setFailure(String(cause)));
  };
  const addNote = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    send({ type: 'addNote', text });
    setDraft('');
  };

  return (
    <main>
      <h1>React + Zustand</h1>
      <p>
        Status: <strong data-testid="status">{status}</strong>
        {status === 'error' && error ? <span> ({String(error)})</span> : null}
      </p>
      <p>
        Count: <strong data-testid="count">{count}</strong>
      </p>
      <button type="button" data-testid="increment" onClick={() => send({ type: 'increment' })}>
        +1
      </button>
      <button type="button" data-testid="reset" onClick={() => send({ type: 'reset' })}>
        Reset
      </button>
      <form onSubmit={addNote}>
        <input
          data-testid="draft"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          placeholder="New note (local until sent)"
        />
        <button type="submit">Add note</button>
      </form>
      <ul data-testid="notes">
        {notes.map((note, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: notes are plain strings that may repeat
          <li key={index}>{note}</li>
        ))}
      </ul>
      {failure ? <p role="alert">{failure}</p> : null}
    </main>
  );
}
