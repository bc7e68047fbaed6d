import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createOptimisticQueue,
  type MutationAck,
  MutationRejected,
  type MutationRequest,
} from '../src/index';
import { type Todo, todoMutators } from './write-fixtures';

/** A transport whose sends the test answers one by one. */
function manualLink() {
  const sent: Array<{
    request: MutationRequest;
    resolve(ack: MutationAck): void;
    reject(error: unknown): void;
  }> = [];
  const send = (request: MutationRequest) =>
    new Promise<MutationAck>((resolve, reject) => sent.push({ request, resolve, reject }));
  return { sent, send };
}

const mutators = { todos: todoMutators };
const texts = (view: Todo[] | undefined) => view?.map((todo) => todo.text);
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe('createOptimisticQueue: the view', () => {
  it('shows a mutation at once, on top of the confirmed state', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '4', epoch: 'E', data: [{ id: 'a', text: 'A' }] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    expect(texts(queue.view('todos'))).toStrictEqual(['A', 'B']);
    expect(queue.pending('todos')).toMatchObject([{ name: 'addTodo', acked: false }]);
  });

  it('keeps the pending change over a snapshot that arrives between send and ack (no flicker)', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E', data: [] });
    const done = queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    // Someone else's change lands first: the view is theirs plus ours.
    queue.applyConfirmed('todos', { revision: '2', epoch: 'E', data: [{ id: 'x', text: 'X' }] });
    expect(texts(queue.view('todos'))).toStrictEqual(['X', 'B']);
    link.sent[0]?.resolve({ revision: '3', epoch: 'E', lastAppliedSeq: 1 });
    await done;
    // Acked at 3 but the state at 3 has not arrived: still shown from the queue.
    expect(texts(queue.view('todos'))).toStrictEqual(['X', 'B']);
    expect(queue.pending()).toMatchObject([{ acked: true, seq: 1 }]);
    queue.applyConfirmed('todos', {
      revision: '3',
      epoch: 'E',
      data: [
        { id: 'x', text: 'X' },
        { id: 'b', text: 'B' },
      ],
    });
    expect(texts(queue.view('todos'))).toStrictEqual(['X', 'B']);
    expect(queue.pending()).toStrictEqual([]);
  });

  it('does not show a change twice when the state that includes it arrives before the ack', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    // The invalidation of our own write (with its mark) comes before the ack on one connection.
    queue.observe({
      topic: 'todos',
      revision: '2',
      epoch: 'E',
      mutation: { clientId: 'me', seq: 1 },
    });
    queue.applyConfirmed('todos', { revision: '2', epoch: 'E', data: [{ id: 'b', text: 'B' }] });
    expect(texts(queue.view('todos'))).toStrictEqual(['B']);
  });

  it('ignores the mutation marks of other clients', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    queue.observe({
      topic: 'todos',
      revision: '2',
      epoch: 'E',
      mutation: { clientId: 'other', seq: 1 },
    });
    queue.applyConfirmed('todos', { revision: '2', epoch: 'E', data: [{ id: 'o', text: 'O' }] });
    expect(texts(queue.view('todos'))).toStrictEqual(['O', 'B']);
  });

  it('confirms from a snapshot that reports the last applied seq', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    queue.confirm('todos', 1, '5', 'E');
    queue.applyConfirmed('todos', { revision: '5', epoch: 'E', data: [{ id: 'b', text: 'B' }] });
    expect(texts(queue.view('todos'))).toStrictEqual(['B']);
  });

  it('drops a refused mutation, recomputes the view and rejects mutate() with the server error', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E', data: [] });
    const first = queue.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
    const second = queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    expect(texts(queue.view('todos'))).toStrictEqual(['A', 'B']);
    await flush();
    link.sent[0]?.reject(new MutationRejected('too_many', 'list is full'));
    await expect(first).rejects.toMatchObject({ code: 'too_many', message: 'list is full' });
    expect(texts(queue.view('todos'))).toStrictEqual(['B']);
    await flush();
    link.sent[1]?.resolve({ revision: '2', epoch: 'E', lastAppliedSeq: 2 });
    await second;
  });

  it('lets the server state win once it includes the mutation, whatever the local apply said', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    link.sent[0]?.resolve({ revision: '2', epoch: 'E', lastAppliedSeq: 1 });
    await flush();
    queue.applyConfirmed('todos', {
      revision: '2',
      epoch: 'E',
      data: [{ id: 'b', text: 'server text' }],
    });
    expect(texts(queue.view('todos'))).toStrictEqual(['server text']);
  });

  it('drops acked mutations when the state comes from another epoch (the source was replaced)', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    queue.applyConfirmed('todos', { revision: '7', epoch: 'E1', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    link.sent[0]?.resolve({ revision: '8', epoch: 'E1', lastAppliedSeq: 1 });
    await flush();
    queue.applyConfirmed('todos', { revision: '1', epoch: 'E2', data: [] });
    expect(queue.view('todos')).toStrictEqual([]);
  });

  it('rejects invalid args at once, without sending or showing them', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send });
    queue.applyConfirmed('todos', { revision: '1', data: [] });
    await expect(queue.mutate('todos', 'addTodo', { id: 'b', text: '' })).rejects.toMatchObject({
      code: 'invalid_args',
    });
    await expect(
      queue.mutate('todos', 'nope' as 'addTodo', { id: 'b', text: 'B' }),
    ).rejects.toMatchObject({ code: 'unknown_mutator' });
    expect(link.sent).toHaveLength(0);
    expect(queue.view('todos')).toStrictEqual([]);
  });

  it('wraps an applier so it receives the optimistic view, and every change of it', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send });
    const applied: unknown[] = [];
    const applier = queue.applier<Todo[]>('todos', {
      apply: (envelope) => void applied.push(envelope),
    });
    await applier.apply({ revision: '1', epoch: 'E', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    expect(applied).toStrictEqual([
      { revision: '1', epoch: 'E', data: [] },
      { revision: '1', epoch: 'E', data: [{ id: 'b', text: 'B' }] },
    ]);
  });
});

describe('createOptimisticQueue: sending', () => {
  it('sends one mutation at a time, in order, with consecutive seqs', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, clientId: 'me' });
    void queue.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    expect(link.sent.map((s) => s.request.seq)).toStrictEqual([1]);
    link.sent[0]?.resolve({ revision: '1', epoch: 'E', lastAppliedSeq: 1 });
    await flush();
    expect(link.sent.map((s) => [s.request.seq, s.request.clientId])).toStrictEqual([
      [1, 'me'],
      [2, 'me'],
    ]);
  });

  it('holds a mutation whose send failed until resend(), then resends it with the same seq', async () => {
    const link = manualLink();
    const errors: unknown[] = [];
    const queue = createOptimisticQueue({
      mutators,
      send: link.send,
      onError: (e) => errors.push(e),
    });
    const done = queue.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await flush();
    link.sent[0]?.reject(new Error('disconnected'));
    await flush();
    expect(link.sent).toHaveLength(1);
    expect(errors).toHaveLength(1);
    queue.resend();
    await flush();
    expect(link.sent.map((s) => s.request.seq)).toStrictEqual([1, 1]);
    link.sent[1]?.resolve({ revision: '1', epoch: 'E', lastAppliedSeq: 1, duplicate: true });
    await expect(done).resolves.toMatchObject({ lastAppliedSeq: 1 });
    await flush();
    expect(link.sent.map((s) => s.request.seq)).toStrictEqual([1, 1, 2]);
  });

  it('refuses a mutation beyond maxPending with queue_full', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, maxPending: 2 });
    void queue.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    await expect(queue.mutate('todos', 'addTodo', { id: 'c', text: 'C' })).rejects.toMatchObject({
      code: 'queue_full',
    });
    expect(queue.pending()).toHaveLength(2);
  });

  it('debounces a topic: sends after debounceMs of quiet, in order, the view updating at once', async () => {
    vi.useFakeTimers();
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send, debounceMs: 100 });
    queue.applyConfirmed('todos', { revision: '1', data: [] });
    void queue.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
    await vi.advanceTimersByTimeAsync(60);
    void queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' });
    expect(texts(queue.view('todos'))).toStrictEqual(['A', 'B']);
    await vi.advanceTimersByTimeAsync(99);
    expect(link.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(link.sent.map((s) => s.request.args)).toStrictEqual([{ id: 'a', text: 'A' }]);
    link.sent[0]?.resolve({ revision: '2', epoch: 'E', lastAppliedSeq: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(link.sent).toHaveLength(2);
  });

  it('rejects unanswered mutations with stopped on stop(), and sends nothing after', async () => {
    const link = manualLink();
    const queue = createOptimisticQueue({ mutators, send: link.send });
    const pending = queue.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
    queue.stop();
    await expect(pending).rejects.toMatchObject({ code: 'stopped' });
    await expect(queue.mutate('todos', 'addTodo', { id: 'b', text: 'B' })).rejects.toMatchObject({
      code: 'stopped',
    });
    await flush();
    expect(link.sent).toHaveLength(0);
  });
});
