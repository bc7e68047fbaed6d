// One source of truth and three clients on the in-memory transport. Client "lossy" drops half of
// its invalidations and client "late" joins after the first changes: both still converge, because
// invalidations only say "something changed" and every client pulls the snapshot itself.
import {
  createMemoryTransport,
  createRevisionSync,
  createSource,
  type InvalidationSubscriber,
  type RevisionSyncHandle,
  type SnapshotProvider,
} from '@state-sync/core';

export type Board = { count: number; lastEditor: string };

export interface QuickstartResult {
  source: Board;
  sourceRevision: string;
  clients: Record<string, { data: Board | undefined; revision: string; fetches: number }>;
}

/** Drops every other invalidation, to show that a lost message costs nothing but a later pull. */
function lossy(subscriber: InvalidationSubscriber): InvalidationSubscriber {
  let n = 0;
  return {
    subscribe: (handler) => subscriber.subscribe((event) => n++ % 2 === 0 || handler(event)),
  };
}

/** The memory transport answers at once; give each snapshot a 5 ms hop like a real network. */
function overTheNetwork<T>(provider: SnapshotProvider<T>): SnapshotProvider<T> {
  return {
    getSnapshot: (context) =>
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => provider.getSnapshot(context)),
  };
}

export async function runQuickstart(
  print: (line: string) => void = console.log,
): Promise<QuickstartResult> {
  const source = createSource();
  const board = source.topic<Board>('board', { initial: { count: 0, lastEditor: 'nobody' } });
  const transport = createMemoryTransport(source);
  const views = new Map<string, Board>();
  const appliedInBurst = new Map<string, number>();
  let inBurst = false;
  const handles = new Map<string, RevisionSyncHandle>();

  function client(name: string, subscriber = transport.subscriber('board')): RevisionSyncHandle {
    const handle = createRevisionSync<Board>({
      topic: 'board',
      subscriber,
      provider: overTheNetwork(transport.provider<Board>('board')),
      applier: ({ revision, data }) => {
        views.set(name, data);
        if (inBurst) {
          appliedInBurst.set(name, (appliedInBurst.get(name) ?? 0) + 1);
          return;
        }
        print(
          `  ${name.padEnd(6)} applied revision ${revision.padStart(3)}: count=${data.count} (by ${data.lastEditor})`,
        );
      },
    });
    handles.set(name, handle);
    return handle;
  }

  print('source: count starts at 0');
  await client('fast').start();
  await client('lossy', lossy(transport.subscriber('board'))).start();

  for (let i = 1; i <= 3; i++) {
    const { revision } = await board.update((state) => ({
      count: state.count + 1,
      lastEditor: 'server',
    }));
    print(`source: count=${i} at revision ${revision}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }

  print('late: a third client joins now and starts on the latest state');
  await client('late').start();

  print('source: a burst of 100 changes at once');
  inBurst = true;
  await Promise.all(
    Array.from({ length: 100 }, () =>
      board.update((state) => ({ count: state.count + 1, lastEditor: 'burst' })),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  inBurst = false;
  for (const [name, count] of appliedInBurst) {
    print(
      `  ${name.padEnd(6)} applied ${count} snapshot(s) for those 100 changes: invalidations coalesce`,
    );
  }
  const final = await board.update((state) => ({ count: state.count + 1, lastEditor: 'server' }));
  print(`source: final count=${final.data.count} at revision ${final.revision}`);
  await Promise.all([...handles.values()].map((handle) => handle.refresh()));

  const clients: QuickstartResult['clients'] = {};
  for (const [name, handle] of handles) {
    clients[name] = {
      data: views.get(name),
      revision: handle.getLocalRevision(),
      fetches: handle.getMetrics().fetches,
    };
    print(
      `${name.padEnd(6)} ends at revision ${handle.getLocalRevision()} after ${handle.getMetrics().fetches} fetches`,
    );
    handle.stop();
  }
  await source.close();
  return { source: final.data, sourceRevision: final.revision, clients };
}
