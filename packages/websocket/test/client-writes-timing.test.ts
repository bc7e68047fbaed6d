// The typed client's timing under fake timers, on a scripted socket (the test plays the server):
// a mutation is sent again `retryMs` after "not now", and at once after a reconnect.
import { describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../src/writes';
import { cleanup, useFakeClientTimers } from './client-helpers';
import { fakeWebSocket } from './fake-socket';
import { mutators } from './write-fixtures';

useFakeClientTimers();

function setup(retryMs?: number) {
  const fake = fakeWebSocket();
  const client = createSyncClient({
    url: 'ws://test.invalid/sync',
    WebSocket: fake.WebSocket,
    browserEvents: false,
    random: () => 0,
    reconnect: { baseDelayMs: 100, maxDelayMs: 1000 },
    onError: () => {},
    mutators,
    clientId: 'me',
    ...(retryMs === undefined ? {} : { retryMs }),
  });
  cleanup.push(() => client.close());
  return { ...fake, client };
}

const ack = (id: unknown, seq: number) => ({
  type: 'ack',
  id,
  revision: '2',
  epoch: 'e1',
  lastAppliedSeq: seq,
});

describe('typed writes: when a mutation is sent again', () => {
  it('waits retryMs (default 1,000 ms) after unavailable, then sends the same seq', async () => {
    const s = setup();
    s.last().accept();
    const done = s.client.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    await vi.advanceTimersByTimeAsync(0);
    const [first] = s.last().sentOfType('mutate');
    expect(first).toMatchObject({ name: 'addTodo', clientId: 'me', seq: 1 });
    s.last().receive({ type: 'error', id: first?.id, code: 'unavailable', message: 'try again' });
    await vi.advanceTimersByTimeAsync(999);
    expect(s.last().sentOfType('mutate')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const again = s.last().sentOfType('mutate')[1];
    expect(again).toMatchObject({ seq: 1, args: { id: 'a', text: 'milk' } });
    s.last().receive(ack(again?.id, 1));
    await expect(done).resolves.toMatchObject({ lastAppliedSeq: 1 });
  });

  it('resends what a drop left unanswered right after the next hello, nothing before', async () => {
    const s = setup(50);
    s.last().accept();
    const done = s.client.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.last().sentOfType('mutate')).toHaveLength(1);
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(100); // the reconnect delay
    const next = s.last();
    expect(next.sentOfType('mutate')).toHaveLength(0); // not before hello
    next.accept();
    await vi.advanceTimersByTimeAsync(0);
    const [resent] = next.sentOfType('mutate');
    expect(resent).toMatchObject({ seq: 1 });
    next.receive({ ...ack(resent?.id, 1), duplicate: true });
    await expect(done).resolves.toMatchObject({ duplicate: true });
    // A get on the new socket carries the client id, for its lastAppliedSeq.
    s.client
      .provider('todos')
      .getSnapshot()
      .catch(() => {}); // closed with the client
    await vi.advanceTimersByTimeAsync(0);
    expect(next.sentOfType('get').at(-1)).toMatchObject({ clientId: 'me' });
  });

  it('turns a server refusal into MutationRejected with the server’s code and message', async () => {
    const s = setup();
    s.last().accept();
    const done = s.client.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    await vi.advanceTimersByTimeAsync(0);
    const [sent] = s.last().sentOfType('mutate');
    s.last().receive({
      type: 'error',
      id: sent?.id,
      code: 'board_locked',
      message: 'the board is locked by Ana',
      rejected: true,
    });
    await expect(done).rejects.toMatchObject({
      name: 'MutationRejected',
      code: 'board_locked',
      message: 'the board is locked by Ana',
    });
  });
});
