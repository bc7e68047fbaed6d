// The engine's status tells the truth while the socket is down: `offline` from the drop, and not
// `synced` again until a snapshot pulled after the reconnect is applied.
import { afterEach, expect, it, vi } from 'vitest';
import { openStack, type Stack } from './harness';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

it('shows offline while the server is away and synced only after the state pulled on return', async () => {
  stack = await openStack();
  const topic = stack.source.topic<{ n: number }>('counter', { initial: { n: 0 } });
  const client = stack.client();
  const statuses: string[] = [];
  let applied: { n: number } | undefined;
  const sync = client.sync<{ n: number }>('counter', {
    applier: ({ data }) => {
      applied = data;
    },
  });
  sync.onStatus((status) => statuses.push(status));
  await sync.start();
  expect(sync.getStatus()).toBe('synced');

  await stack.stop();
  await vi.waitFor(() => expect(sync.getStatus()).toBe('offline'));
  await topic.set({ n: 5 }); // changed while the client cannot hear it
  statuses.length = 0;
  await stack.start();

  await vi.waitFor(() => expect(sync.getStatus()).toBe('synced'));
  expect(applied).toEqual({ n: 5 });
  // Never `synced` before the state pulled after the reconnect was applied.
  expect(statuses[0]).not.toBe('synced');
  expect(statuses.at(-1)).toBe('synced');
});
