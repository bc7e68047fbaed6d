// Both appliers through the whole WebSocket stack in Node: source → sync server → socket →
// client → engine → applier → store. Writes go back as `mutate` ops, as in the demo.
import { createSource, type Source } from '@state-sync/core';
import { syncPiniaStore } from '@state-sync/pinia';
import { createSyncClient, type SyncClient } from '@state-sync/websocket';
import { createSyncServer, type SyncServer } from '@state-sync/websocket/server';
import { syncZustandStore } from '@state-sync/zustand';
import { createPinia, defineStore } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createStore } from 'zustand/vanilla';

interface Board {
  count: number;
  notes: string[];
}
type Op =
  | { type: 'increment'; by?: number }
  | { type: 'addNote'; text: string }
  | { type: 'reset' };

const empty = (): Board => ({ count: 0, notes: [] });
const reduce = (board: Board, op: Op): Board =>
  op.type === 'increment'
    ? { ...board, count: board.count + (op.by ?? 1) }
    : op.type === 'addNote'
      ? { ...board, notes: [...board.notes, op.text] }
      : empty();

const usePiniaBoard = defineStore('board', {
  state: () => ({ ...empty(), draft: '' }),
});
const createZustandBoard = () =>
  createStore<Board & { draft: string }>()(() => ({ ...empty(), draft: '' }));

let source: Source;
let server: SyncServer;
let clients: SyncClient[];
const stops: (() => void)[] = [];

beforeEach(async () => {
  source = createSource();
  source.topic<Board>('board', { initial: empty() });
  server = await createSyncServer({
    source,
    port: 0,
    host: '127.0.0.1',
    onMutate: ({ topic, op, source }) =>
      source.topic<Board>(topic).update((b) => reduce(b, op as Op)),
  });
  clients = [];
});

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await Promise.all(clients.map((client) => client.close()));
  await server.close();
  await source.close();
});

function connect(): SyncClient {
  const client = createSyncClient({ url: server.url!, WebSocket: WebSocket as never });
  clients.push(client);
  return client;
}

describe('Pinia and Zustand stores over one WebSocket server', () => {
  it('shows a mutate made through one store’s client in both stores, and keeps local keys', async () => {
    const piniaClient = connect();
    const zustandClient = connect();
    const piniaStore = usePiniaBoard(createPinia());
    const zustandStore = createZustandBoard();
    piniaStore.draft = 'vue draft';
    zustandStore.setState({ draft: 'react draft' });
    const pinia = syncPiniaStore(piniaStore, {
      topic: 'board',
      subscriber: piniaClient.subscriber('board'),
      provider: piniaClient.provider<Board>('board'),
      omit: ['draft'],
    });
    const zustand = syncZustandStore(zustandStore, {
      topic: 'board',
      subscriber: zustandClient.subscriber('board'),
      provider: zustandClient.provider<Board>('board'),
      omit: ['draft'],
    });
    stops.push(pinia.stop, zustand.stop);
    await Promise.all([pinia.start(), zustand.start()]);
    expect([pinia.status.value, zustand.statusStore.getState().status]).toStrictEqual([
      'synced',
      'synced',
    ]);

    await piniaClient.mutateOp('board', { type: 'increment', by: 2 });
    await zustandClient.mutateOp('board', { type: 'addNote', text: 'hello' });
    const expected = { count: 2, notes: ['hello'] };
    await vi.waitFor(() => {
      expect(piniaStore.$state).toStrictEqual({ ...expected, draft: 'vue draft' });
      expect(zustandStore.getState()).toStrictEqual({ ...expected, draft: 'react draft' });
    });
  });

  it('sends nothing while snapshots arrive over the socket, and one write per local change', async () => {
    const client = connect();
    const writer = connect();
    const store = createZustandBoard();
    const sync = syncZustandStore(store, {
      topic: 'board',
      subscriber: client.subscriber('board'),
      provider: client.provider<Board>('board'),
      omit: ['draft'],
    });
    stops.push(sync.stop);
    let outbound = 0;
    const sent: Promise<unknown>[] = [];
    sync.subscribeLocal((state, previous) => {
      outbound++;
      sent.push(client.mutateOp('board', { type: 'increment', by: state.count - previous.count }));
    });
    await sync.start();

    for (let i = 0; i < 10; i++) await writer.mutateOp('board', { type: 'increment' });
    await vi.waitFor(() => expect(store.getState().count).toBe(10));
    expect(outbound).toBe(0);

    store.setState({ count: 11 }); // a local change
    expect(outbound).toBe(1);
    await Promise.all(sent);
    await vi.waitFor(() => expect(sync.getLocalRevision()).toBe('11'));
    await sync.refresh();
    expect(outbound).toBe(1);
    expect((await source.topic<Board>('board').get()).data.count).toBe(11);
  });
});
