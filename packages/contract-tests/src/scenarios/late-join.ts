// Late join and fresh reads: every pull other than an `invalidation` one must reach the source, so
// a client that joins late, re-opens a topic or calls refresh() sees what the source has now.
import { expect } from 'vitest';
import { defineGroup, type N, scenario } from './common';

const ASK_THE_SOURCE =
  'your provider answered from a copy it kept instead of asking the source: for `initial`, `manual`, `reconnect`, `epoch` and `beacon` pulls (`context.reason`) getSnapshot must fetch from the source (docs/custom-transport.md, "Ask the source unless the reason allows otherwise")';

export const lateJoinScenarios = [
  scenario(
    'late-join/latest-state',
    'a client that starts after changes begins on the latest state',
    'the first snapshot (reason `initial`) must come from the source after subscribing, and status must turn `synced` only once it is applied',
    async (f) => {
      const topic = f.harness.source.topic<N>('late-join');
      for (let n = 1; n <= 3; n++) await topic.set({ n });
      const client = await f.sync<N>('late-join');
      let appliedWhenSynced = -1;
      client.handle.onStatus((status) => {
        if (status === 'synced' && appliedWhenSynced < 0) appliedWhenSynced = client.applied.length;
      });
      await client.handle.start();
      expect(client.handle.getLocalRevision(), 'revision after start()').toBe('3');
      expect(client.data(), 'data after start()').toEqual({ n: 3 });
      expect(client.statuses, 'statuses during start()').toEqual(['syncing', 'synced']);
      expect(appliedWhenSynced, 'snapshots applied when status became synced').toBe(1);
      await topic.set({ n: 4 });
      await f.eventually(() =>
        expect(client.data(), 'data after a change once started').toEqual({ n: 4 }),
      );
    },
  ),
];

export const freshReadScenarios = [
  scenario(
    'fresh-read/reopen',
    'a client that re-opens a topic nobody on its connection followed while it changed starts on the current state',
    ASK_THE_SOURCE,
    async (f) => {
      const topic = f.harness.source.topic<N>('reopen');
      await topic.set({ n: 1 });
      const endpoint = await f.connect();
      const first = await f.sync<N>('reopen', { endpoint });
      await first.handle.start();
      await topic.set({ n: 2 });
      await f.eventually(() => expect(first.data(), 'first client follows').toEqual({ n: 2 }));
      first.handle.stop();
      // Nobody on this connection follows the topic now: these invalidations reach no one here.
      for (let n = 3; n <= 5; n++) await topic.set({ n });
      const again = await f.sync<N>('reopen', { endpoint });
      await again.handle.start();
      expect(again.data(), 'data after re-opening the topic (initial pull)').toEqual({ n: 5 });
      expect(again.handle.getLocalRevision(), 'revision after re-opening').toBe('5');
      await topic.set({ n: 6 });
      await f.eventually(() =>
        expect(again.data(), 'data after a change once re-opened').toEqual({ n: 6 }),
      );
    },
  ),
  scenario(
    'fresh-read/new-connection',
    'a new connection joining a topic that nobody followed while it changed starts on the current state',
    `${ASK_THE_SOURCE}; a copy shared by every connection (a server-side cache fed by invalidations) goes stale as soon as nobody follows the topic`,
    async (f) => {
      const topic = f.harness.source.topic<N>('unfollowed');
      await topic.set({ n: 1 });
      const first = await f.sync<N>('unfollowed', { endpoint: await f.connect() });
      await first.handle.start();
      await topic.set({ n: 2 });
      await f.eventually(() => expect(first.data(), 'first client follows').toEqual({ n: 2 }));
      first.handle.stop();
      for (let n = 3; n <= 5; n++) await topic.set({ n });
      const late = await f.sync<N>('unfollowed', { endpoint: await f.connect() });
      await late.handle.start();
      expect(late.data(), 'data of the late connection after start()').toEqual({ n: 5 });
      expect(late.handle.getLocalRevision(), 'revision of the late connection').toBe('5');
    },
  ),
  scenario(
    'fresh-read/refresh-after-lost-invalidation',
    'await refresh() sees a change whose invalidation never reached the client',
    `${ASK_THE_SOURCE}. The suite fetches through a second client end that follows nothing, so no invalidation can have refreshed a copy there`,
    async (f) => {
      const topic = f.harness.source.topic<N>('refresh-lost');
      await topic.set({ n: 1 });
      const client = await f.sync<N>('refresh-lost', {
        endpoint: await f.connect(),
        providerEndpoint: await f.connect(),
      });
      await client.handle.start();
      expect(client.data(), 'data after start()').toEqual({ n: 1 });
      client.link.mode = 'manual'; // invalidations are held back, as if lost
      await topic.set({ n: 2 });
      await topic.set({ n: 3 });
      await client.handle.refresh();
      expect(client.data(), 'data once `await refresh()` resolved').toEqual({ n: 3 });
      expect(client.handle.getLocalRevision(), 'revision once refresh() resolved').toBe('3');
    },
  ),
  scenario(
    'fresh-read/refresh-on-connection',
    'await refresh() right after a change sees it, even while its invalidation is still on its way',
    ASK_THE_SOURCE,
    async (f) => {
      const topic = f.harness.source.topic<N>('refresh-now');
      await topic.set({ n: 1 });
      const client = await f.sync<N>('refresh-now');
      await client.handle.start();
      client.link.mode = 'manual'; // invalidations are held back, still on their way
      for (let n = 2; n <= 4; n++) {
        await topic.set({ n });
        await client.handle.refresh();
        expect(client.data(), `data once refresh() after change ${n} resolved`).toEqual({ n });
      }
      client.link.flush();
    },
  ),
];

export const describeLateJoin = defineGroup({ title: 'late join', scenarios: lateJoinScenarios });
export const describeFreshReads = defineGroup({
  title: 'fresh reads',
  scenarios: freshReadScenarios,
});
