// TEMPORARY stand-in for examples/demo-server's startDemoServer until it lands.
import { createSource } from '@state-sync/core';
import { createSyncServer } from '@state-sync/websocket/server';

interface Board {
  count: number;
  notes: string[];
}
type Op =
  | { type: 'increment'; by?: number }
  | { type: 'addNote'; text: string }
  | { type: 'reset' };

export async function startBoardServer(): Promise<{ wsUrl: string; close(): Promise<void> }> {
  const source = createSource();
  source.topic<Board>('board', { initial: { count: 0, notes: [] } });
  const server = await createSyncServer({
    source,
    port: 0,
    host: '127.0.0.1',
    onMutate: ({ topic, op, source }) =>
      source.topic<Board>(topic).update((b) => {
        const o = op as Op;
        if (o.type === 'increment') return { ...b, count: b.count + (o.by ?? 1) };
        if (o.type === 'addNote') return { ...b, notes: [...b.notes, o.text] };
        return { count: 0, notes: [] };
      }),
  });
  return {
    wsUrl: server.url!,
    async close() {
      await server.close();
      await source.close();
    },
  };
}
