// React bindings with react-dom in happy-dom: the hook store renders snapshots, useSyncStatus
// follows the engine, and useZustandSync stays symmetric under StrictMode's double mount.
import {
  createMemoryTransport,
  createSource,
  type InvalidationSubscriber,
  type RevisionSyncHandle,
  type Source,
  type StatusListener,
  type SyncStatus,
} from '@state-sync/core';
import { act, cleanup, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncZustandStore, type ZustandSync } from '../src/index';
import { useSyncStatus, useZustandSync } from '../src/react';
import { type Board, type BoardState, createHookBoard } from './stores';

type HookBoard = ReturnType<typeof createHookBoard>;
type StatusSource = Pick<RevisionSyncHandle, 'getStatus' | 'onStatus'> | undefined;

function StatusView({ handle }: { handle: StatusSource }) {
  return h('p', null, useSyncStatus(handle));
}

function BoardView({ useBoard, sync }: { useBoard: HookBoard; sync: StatusSource }) {
  const count = useBoard((s) => s.count);
  return h('p', null, `${count} ${useSyncStatus(sync)}`);
}

interface HookProps {
  useBoard: HookBoard;
  topic: string;
  transport: ReturnType<typeof createMemoryTransport>;
  subscriber?: InvalidationSubscriber;
  onSync?: (sync: ZustandSync<BoardState, Board> | undefined) => void;
}

function HookView({ useBoard, topic, transport, subscriber, onSync }: HookProps) {
  const { status, sync } = useZustandSync<BoardState, Board>(useBoard, {
    topic,
    // Fresh objects on every render on purpose: a re-render must not restart the sync.
    subscriber: subscriber ?? transport.subscriber(topic),
    provider: transport.provider<Board>(topic),
    omit: ['draft'],
  });
  onSync?.(sync);
  const count = useBoard((s) => s.count);
  return h('p', null, `${count} ${status}`);
}

let source: Source;

beforeEach(() => {
  source = createSource();
  source.topic<Board>('board', { initial: { count: 0, notes: [] } });
});

afterEach(async () => {
  cleanup();
  await source.close();
});

const board = () => source.topic<Board>('board');
const flush = () => act(async () => {});

describe('a React hook store synced through the whole stack', () => {
  it('re-renders components with each snapshot and shows the status', async () => {
    const useBoard = createHookBoard();
    const transport = createMemoryTransport(source);
    const sync = syncZustandStore<BoardState, Board>(useBoard, {
      topic: 'board',
      subscriber: transport.subscriber('board'),
      provider: transport.provider<Board>('board'),
      omit: ['draft'],
    });
    render(h(StrictMode, null, h(BoardView, { useBoard, sync })));
    expect(screen.getByText('0 idle')).toBeTruthy();
    await act(() => sync.start());
    expect(screen.getByText('0 synced')).toBeTruthy();
    await act(async () => {
      await board().set({ count: 5, notes: [] });
      await sync.refresh();
    });
    expect(screen.getByText('5 synced')).toBeTruthy();
    act(() => sync.stop());
    expect(screen.getByText('5 stopped')).toBeTruthy();
  });
});

describe('useSyncStatus', () => {
  it('subscribes once per mounted component and releases every listener on unmount', () => {
    const listeners = new Set<StatusListener>();
    let status: SyncStatus = 'syncing';
    const handle: StatusSource = {
      getStatus: () => status,
      onStatus(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    for (let i = 0; i < 1000; i++) {
      const view = render(h(StrictMode, null, h(StatusView, { handle })));
      expect(listeners.size).toBe(1);
      view.unmount();
    }
    expect(listeners.size).toBe(0);
    render(h(StatusView, { handle }));
    act(() => {
      status = 'synced';
      for (const listener of listeners) listener('synced', {});
    });
    expect(screen.getByText('synced')).toBeTruthy();
  });

  it('reads "idle" while there is no handle yet', () => {
    render(h(StatusView, { handle: undefined }));
    expect(screen.getByText('idle')).toBeTruthy();
  });
});

describe('useZustandSync', () => {
  /** A subscriber that counts engines started and subscriptions still open. */
  function counting(transport: ReturnType<typeof createMemoryTransport>) {
    const inner = transport.subscriber('board');
    const counts = { engines: 0, live: 0 };
    const subscriber: InvalidationSubscriber = {
      async subscribe(handler) {
        counts.engines++;
        counts.live++;
        const off = await inner.subscribe(handler);
        return () => {
          counts.live--;
          off();
        };
      },
    };
    return { subscriber, counts };
  }

  it('starts on mount, renders snapshots, and does not restart on re-render', async () => {
    const useBoard = createHookBoard();
    const transport = createMemoryTransport(source);
    const { subscriber, counts } = counting(transport);
    let last: ZustandSync<BoardState, Board> | undefined;
    const props: HookProps = {
      useBoard,
      topic: 'board',
      transport,
      subscriber,
      onSync: (s) => (last = s),
    };
    const view = render(h(HookView, props));
    await flush();
    expect(screen.getByText('0 synced')).toBeTruthy();
    await act(async () => {
      await board().set({ count: 3, notes: [] });
      await last?.refresh();
    });
    expect(screen.getByText('3 synced')).toBeTruthy();
    view.rerender(h(HookView, { ...props }));
    await flush();
    expect(counts).toStrictEqual({ engines: 1, live: 1 });
  });

  it('leaves no listener behind after 1,000 StrictMode mount/unmount cycles', async () => {
    const useBoard = createHookBoard();
    const transport = createMemoryTransport(source);
    const { subscriber, counts } = counting(transport);
    for (let i = 0; i < 1000; i++) {
      const view = render(
        h(StrictMode, null, h(HookView, { useBoard, topic: 'board', transport, subscriber })),
      );
      await flush();
      expect(source.listenerCount()).toBe(1);
      view.unmount();
    }
    await flush();
    expect(source.listenerCount()).toBe(0);
    expect(counts.live).toBe(0);
    expect(counts.engines).toBeGreaterThanOrEqual(1000);
  }, 30_000); // 1,000 React mounts: seconds on a loaded 2-core machine, not a timing claim

  it('restarts when the topic changes and stops the old sync', async () => {
    source.topic<Board>('other', { initial: { count: 42, notes: [] } });
    const useBoard = createHookBoard();
    const transport = createMemoryTransport(source);
    const view = render(h(HookView, { useBoard, topic: 'board', transport }));
    await flush();
    expect(screen.getByText('0 synced')).toBeTruthy();
    view.rerender(h(HookView, { useBoard, topic: 'other', transport }));
    await flush();
    expect(screen.getByText('42 synced')).toBeTruthy();
    expect(source.listenerCount()).toBe(1);
  });
});
