// The typed client of `/writes` over real sockets on 127.0.0.1: seed 000's optimistic threshold
// with rollback, exactly once across a dropped connection, and resends after `unavailable`.
import { createMemoryStore, createSource, type SourceStore } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { StateSyncWebSocketError } from '../src/index';
import { createSyncClient, type WritesClientOptions } from '../src/writes';
import type { Stack } from './harness';
import { eventually, serverTestKit } from './server-helpers';
import { type AlertSettings, mutators, type Todo } from './write-fixtures';

const kit = serverTestKit();

function writer(s: Stack, options: Partial<WritesClientOptions<typeof mutators>> = {}) {
  const errors: StateSyncWebSocketError[] = [];
  const client = createSyncClient({
    url: s.url,
    WebSocket,
    browserEvents: false,
    reconnect: { baseDelayMs: 10, maxDelayMs: 50 },
    mutators,
    onError: (error) => errors.push(error),
    ...options,
  });
  kit.track(client);
  return { client, errors };
}

/** A memory store whose next successful write runs `after` before the server can answer. */
function storeWithHook() {
  const store = createMemoryStore({ epoch: 'E' });
  let after: (() => void) | undefined;
  const write: SourceStore['write'] = async (...args) => {
    const result = await store.write(...args);
    const hook = after;
    after = undefined;
    hook?.();
    return result;
  };
  const afterNextWrite = (fn: () => void) => {
    after = fn;
  };
  return { store: { ...store, write }, afterNextWrite };
}

describe('typed writes over WebSocket', () => {
  it('seed 000: shows the new threshold at once, rolls back on the refusal, gives the app its message', async () => {
    const s = await kit.stack({ mutators });
    await s.source.topic<AlertSettings>('alerts').set({ warningPercent: 80 });
    const { client } = writer(s);
    const shown: AlertSettings[] = [];
    const sync = client.sync<AlertSettings>('alerts', {
      applier: client.optimistic.applier('alerts', { apply: ({ data }) => void shown.push(data) }),
    });
    await sync.start();
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 80 });

    const result = client.mutate('alerts', 'configure', { warningPercent: 5 });
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 5 }); // at once, before any frame
    expect(client.optimistic.pending('alerts')).toHaveLength(1);

    await expect(result).rejects.toMatchObject({
      name: 'MutationRejected',
      code: 'threshold_too_low',
      message: 'a warning at 5% would fire on every request: use 10% or more',
    });
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 80 });
    expect(client.optimistic.pending()).toStrictEqual([]);

    // An accepted one stays on screen from the click to the confirmed state, never flickering.
    const before = shown.length;
    await client.mutate('alerts', 'configure', { warningPercent: 50 });
    await eventually(() => expect(client.optimistic.pending()).toStrictEqual([]));
    expect(shown.slice(before).every((settings) => settings.warningPercent === 50)).toBe(true);
    expect((await s.source.topic('alerts').get()).data).toStrictEqual({ warningPercent: 50 });
  });

  it('applies a mutation exactly once when the connection drops before its ack, and resolves', async () => {
    const { store, afterNextWrite } = storeWithHook();
    const s = await kit.stack({ source: createSource({ store }), mutators });
    const { client } = writer(s);
    const shown: Array<Todo[] | null> = [];
    const sync = client.sync<Todo[] | null>('todos', {
      applier: client.optimistic.applier('todos', { apply: ({ data }) => void shown.push(data) }),
    });
    await sync.start();
    // The write lands, then every socket dies before the ack can leave.
    afterNextWrite(() => {
      for (const conn of s.server.connections()) conn.terminate();
    });
    const ack = await client.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    expect(Object.keys(ack).sort()).toStrictEqual([
      'duplicate',
      'epoch',
      'lastAppliedSeq',
      'revision',
    ]);
    expect(ack).toMatchObject({ lastAppliedSeq: 1, duplicate: true }); // the resend's answer
    expect(client.getMetrics().reconnects).toBeGreaterThanOrEqual(1);
    await client.mutate('todos', 'addTodo', { id: 'b', text: 'eggs' });
    expect((await s.source.topic('todos').get()).data).toStrictEqual([
      { id: 'a', text: 'milk' },
      { id: 'b', text: 'eggs' },
    ]);
    expect(s.server.getMetrics()).toMatchObject({ mutationsApplied: 2, mutationsDuplicate: 1 });
    await eventually(() =>
      expect(shown.at(-1)).toStrictEqual([
        { id: 'a', text: 'milk' },
        { id: 'b', text: 'eggs' },
      ]),
    );
  });

  it('queues mutations while offline, shows them, and sends them in order once back', async () => {
    const s = await kit.stack({ mutators });
    const { client } = writer(s);
    const sync = client.sync<Todo[] | null>('todos', {
      applier: client.optimistic.applier('todos', { apply: () => {} }),
    });
    await sync.start();
    await s.stop();
    await eventually(() => expect(client.status()).not.toBe('open'));
    const done = [
      client.mutate('todos', 'addTodo', { id: '1', text: 'one' }),
      client.mutate('todos', 'addTodo', { id: '2', text: 'two' }),
    ];
    expect(client.optimistic.view('todos')).toStrictEqual([
      { id: '1', text: 'one' },
      { id: '2', text: 'two' },
    ]);
    await s.start();
    await Promise.all(done);
    expect((await s.source.topic('todos').get()).data).toStrictEqual([
      { id: '1', text: 'one' },
      { id: '2', text: 'two' },
    ]);
  });

  it('sends a mutation again after unavailable (a store outage), with the same seq', async () => {
    const store = createMemoryStore();
    const write = store.write;
    let outage = true;
    store.write = (...args) => (outage ? Promise.reject(new Error('db down')) : write(...args));
    const s = await kit.stack({ source: createSource({ store }), mutators, onError: () => {} });
    const { client, errors } = writer(s, { retryMs: 20 });
    const ack = client.mutate('todos', 'addTodo', { id: 'x', text: 'later' });
    await eventually(() => expect(errors.map((e) => e.code)).toContain('unavailable'));
    outage = false;
    await expect(ack).resolves.toMatchObject({ lastAppliedSeq: 1 });
    expect(s.server.getMetrics()).toMatchObject({ mutationsFailed: expect.any(Number) });
    expect((await s.source.topic('todos').get()).data).toStrictEqual([{ id: 'x', text: 'later' }]);
  });

  it('refuses wrong args locally with invalid_args, sending nothing', async () => {
    const s = await kit.stack({ mutators });
    const { client } = writer(s);
    await expect(client.mutate('todos', 'addTodo', { id: 'a', text: '' })).rejects.toMatchObject({
      code: 'invalid_args',
    });
    expect(s.server.getMetrics().mutationsApplied + s.server.getMetrics().mutationsRejected).toBe(
      0,
    );
  });

  it('turns forbidden into a refusal: the mutation leaves the view', async () => {
    const s = await kit.stack({ mutators, authorize: (_p, topic) => topic !== 'todos' });
    const { client } = writer(s);
    await expect(client.mutate('todos', 'addTodo', { id: 'a', text: 'x' })).rejects.toMatchObject({
      name: 'MutationRejected',
      code: 'forbidden',
    });
    expect(client.optimistic.pending()).toStrictEqual([]);
  });

  it('rejects what is pending with stopped when the client closes', async () => {
    const s = await kit.stack({ mutators });
    await s.stop();
    const { client } = writer(s);
    const pending = client.mutate('todos', 'addTodo', { id: 'a', text: 'x' });
    await client.close();
    await expect(pending).rejects.toMatchObject({ code: 'stopped' });
  });
});
