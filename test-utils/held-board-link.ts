// The write path the store adapters' tests (Pinia, Zustand) run their optimistic view on: a
// `board` topic on a source, its mutators, and a link to the server that holds every mutation
// until the test calls `release()`. The store and the sync call stay in each package's test.
import {
  createMutationHandler,
  createOptimisticQueue,
  createSource,
  defineMutators,
  type InvalidationSubscriber,
  MutationRejected,
  type SnapshotEnvelope,
  type SnapshotProvider,
} from '@state-sync/core';
import { z } from 'zod';

export interface Board {
  count: number;
  notes: string[];
}

const boardMutators = defineMutators({
  addNote: {
    args: z.object({ text: z.string() }),
    apply(state: Board, args, ctx) {
      if (ctx.server && args.text === 'forbidden') throw new MutationRejected('forbidden', 'no');
      return { ...state, notes: [...state.notes, args.text] };
    },
  },
});

export function heldBoardLink() {
  const source = createSource();
  source.topic<Board>('board', { initial: { count: 0, notes: [] } });
  const mutators = { board: boardMutators };
  const server = createMutationHandler({ source, mutators });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const queue = createOptimisticQueue({
    mutators,
    send: async (request) => {
      await gate;
      return server.apply(request);
    },
  });
  const subscriber: InvalidationSubscriber = {
    subscribe: async (handler) =>
      source.topic('board').subscribe((event) => {
        queue.observe(event);
        queueMicrotask(() => handler(event));
      }),
  };
  const provider: SnapshotProvider<Board> = {
    async getSnapshot() {
      const snapshot = structuredClone(await server.snapshot<Board>('board', queue.clientId));
      if (snapshot.lastAppliedSeq !== undefined)
        queue.confirm('board', snapshot.lastAppliedSeq, snapshot.revision, snapshot.epoch);
      return snapshot as SnapshotEnvelope<Board>;
    },
  };
  return { source, queue, subscriber, provider, release: () => release() };
}
