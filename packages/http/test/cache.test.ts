// Behind a real shared cache: Debian's nginx with proxy_cache + proxy_cache_lock in front of the
// origin. N clients pulling one new revision (or one delta, resuming) cost the origin at most two
// requests, and a private topic is never served from the cache to another user.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSource, type Source } from '@state-sync/core';
import { diffStates } from '@state-sync/protocol/diff';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHttpSyncClient, type HttpSyncClient } from '../src/index';
import {
  createHttpSyncHandler,
  type HttpSyncHandlerOptions,
  StateSyncHttpError,
  toNodeListener,
} from '../src/server';
import { listen, shut } from './harness';
import { type CacheProxy, ensureNginx, startNginx } from './nginx';

const nginx = ensureNginx();
const eventually = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: 10_000, interval: 10 });

interface Origin {
  source: Source;
  /** Snapshot requests that reached the origin, by URL path + query. */
  pulls: string[];
  proxy: CacheProxy;
  client(token?: string): HttpSyncClient;
  close(): Promise<void>;
}

async function openOrigin(options: Partial<HttpSyncHandlerOptions<string>> = {}): Promise<Origin> {
  // Writes record deltas, so the delta URLs of resuming clients have something to serve.
  const source = createSource({ diff: diffStates });
  const handler = createHttpSyncHandler<string>({ basePath: '/sync', ...options, source });
  const pulls: string[] = [];
  const server: Server = await listen(
    toNodeListener(async (request) => {
      const url = new URL(request.url);
      if (url.pathname.startsWith('/sync/state/')) pulls.push(url.pathname + url.search);
      return handler(request);
    }),
  );
  const proxy = await startNginx(nginx!, (server.address() as AddressInfo).port);
  const clients: HttpSyncClient[] = [];
  return {
    source,
    pulls,
    proxy,
    client(token) {
      const client = createHttpSyncClient({
        url: `${proxy.url}/sync`,
        browserEvents: false,
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await handler.close();
      await proxy.close();
      await shut(server);
    },
  };
}

describe.skipIf(!nginx)('behind nginx (proxy_cache + proxy_cache_lock)', () => {
  describe('a public topic', () => {
    let origin: Origin;
    beforeAll(async () => {
      origin = await openOrigin();
    }, 60_000);
    afterAll(() => origin?.close());

    it('1,000 clients pulling one new revision cost the origin at most 2 snapshot requests, and all get its data', async () => {
      const board = origin.source.topic<{ cards: string[] }>('board', { initial: { cards: [] } });
      // Real clients through nginx: SSE invalidations, engines applying snapshots.
      const watchers = Array.from({ length: 10 }, () => origin.client());
      const applied = watchers.map(() => [] as unknown[]);
      const handles = watchers.map((client, i) =>
        client.sync<{ cards: string[] }>('board', {
          applier: { apply: (envelope) => void applied[i]!.push(envelope.data) },
        }),
      );
      await Promise.all(handles.map((handle) => handle.start()));

      const next = { cards: Array.from({ length: 200 }, (_, i) => `card ${i}`) };
      const written = await board.set(next);
      const before = origin.pulls.length;
      // The invalidation reached every real client, so each one pulls revision-addressed…
      await eventually(() => {
        for (const handle of handles) expect(handle.getLocalRevision()).toBe(written.revision);
      });
      // …and 1,000 more clients pull the same revision at once, as they would after that event.
      const providers = Array.from({ length: 1000 }, (_, i) =>
        watchers[i % watchers.length]!.provider<{ cards: string[] }>('board'),
      );
      const envelopes = await Promise.all(providers.map((provider) => provider.getSnapshot()));

      for (const envelope of envelopes) {
        expect(envelope.revision).toBe(written.revision);
        expect(envelope.data).toEqual(next);
      }
      for (const list of applied) expect(list.at(-1)).toEqual(next);
      const originPulls = origin.pulls
        .slice(before)
        .filter((pull) => pull.includes(`r=${written.revision}`));
      expect(originPulls.length).toBeGreaterThanOrEqual(1);
      expect(originPulls.length).toBeLessThanOrEqual(2);
    }, 60_000);

    it('1,000 clients back from the same outage pulling one delta URL cost the origin at most 2 requests', async () => {
      const make = (title: string) => ({
        title,
        cards: Array.from({ length: 300 }, (_, i) => `card ${i}`),
      });
      const topic = origin.source.topic<ReturnType<typeof make>>('resume');
      const base = await topic.set(make('a'));
      await topic.set(make('b'));
      const last = await topic.set(make('c'));
      const url = `${origin.proxy.url}/sync/state/resume?e=${encodeURIComponent(base.epoch!)}&r=${last.revision}&since=${base.revision}`;
      const before = origin.pulls.length;
      const bodies = (await Promise.all(
        Array.from({ length: 1000 }, () => fetch(url).then((response) => response.json())),
      )) as Array<{ revision: string; delta?: { baseRevision: string; ops: unknown[] } }>;
      for (const body of bodies) {
        expect(body.revision).toBe(last.revision);
        expect(body.delta?.baseRevision).toBe(base.revision);
      }
      const originPulls = origin.pulls.slice(before).filter((pull) => pull.includes('since='));
      expect(originPulls.length).toBeGreaterThanOrEqual(1);
      expect(originPulls.length).toBeLessThanOrEqual(2);
    }, 60_000);

    it('caches the revision-addressed URL as immutable and never the plain URL', async () => {
      const topic = origin.source.topic('headers');
      const { revision, epoch } = await topic.set({ n: 1 });
      const plain = await fetch(`${origin.proxy.url}/sync/state/headers`);
      expect(plain.headers.get('cache-control')).toBe('no-cache');
      expect(plain.headers.get('etag')).toBe(`"${encodeURIComponent(epoch!)}:${revision}"`);
      await plain.arrayBuffer();
      // The plain URL always asks the origin, so it never answers an old revision.
      const latest = await topic.set({ n: 2 });
      const fresh = await fetch(`${origin.proxy.url}/sync/state/headers`);
      expect(fresh.headers.get('x-cache-status')).not.toBe('HIT');
      expect(await fresh.json()).toMatchObject({ data: { n: 2 } });
      const at = `${origin.proxy.url}/sync/state/headers?e=${encodeURIComponent(epoch!)}&r=${latest.revision}`;
      const first = await fetch(at);
      await first.arrayBuffer();
      const second = await fetch(at);
      expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(second.headers.get('x-cache-status')).toBe('HIT');
      expect(await second.json()).toMatchObject({ revision: latest.revision, data: { n: 2 } });
    });
  });

  describe('a private topic', () => {
    let origin: Origin;
    const users: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };
    beforeAll(async () => {
      origin = await openOrigin({
        authenticate: (request) => {
          const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
          const user = users[token];
          if (!user) throw new StateSyncHttpError('unauthorized', 'unknown or missing token');
          return user;
        },
        authorize: (user, topic) => topic === `inbox:${user}` || topic === 'news',
        isPublic: (topic) => topic === 'news',
      });
    }, 60_000);
    afterAll(() => origin?.close());

    it('is never served from the shared cache to another user, nor to nobody', async () => {
      const inbox = origin.source.topic('inbox:alice');
      const { revision, epoch } = await inbox.set({ secret: 'alice only' });
      const url = `${origin.proxy.url}/sync/state/inbox%3Aalice?e=${encodeURIComponent(epoch!)}&r=${revision}`;
      const asAlice = () => fetch(url, { headers: { authorization: 'Bearer alice-token' } });

      const first = await asAlice();
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');
      expect(await first.json()).toMatchObject({ data: { secret: 'alice only' } });
      const second = await asAlice();
      expect(second.headers.get('x-cache-status')).not.toBe('HIT');
      await second.arrayBuffer();

      const asBob = await fetch(url, { headers: { authorization: 'Bearer bob-token' } });
      expect(asBob.status).toBe(403);
      expect(JSON.stringify(await asBob.json())).not.toContain('alice only');
      const asNobody = await fetch(url);
      expect(asNobody.status).toBe(401);
      expect(JSON.stringify(await asNobody.json())).not.toContain('alice only');
      // Every one of the four requests reached the origin, which decided.
      expect(
        origin.pulls.filter((pull) => pull.startsWith('/sync/state/inbox%3Aalice')),
      ).toHaveLength(4);

      // Bob's client through the cache never sees Alice's inbox; Alice's does.
      const errors: StateSyncHttpError[] = [];
      const bob = createHttpSyncClient({
        url: `${origin.proxy.url}/sync`,
        headers: { authorization: 'Bearer bob-token' },
        browserEvents: false,
        onError: (error) => errors.push(error),
      });
      await expect(bob.provider('inbox:alice').getSnapshot()).rejects.toMatchObject({
        code: 'forbidden',
      });
      await bob.close();
      const alice = origin.client('alice-token');
      const seen: unknown[] = [];
      const handle = alice.sync('inbox:alice', {
        applier: { apply: (e) => void seen.push(e.data) },
      });
      await handle.start();
      expect(seen).toEqual([{ secret: 'alice only' }]);
    }, 60_000);

    it('a topic marked public is cached even on an authenticated server', async () => {
      const { revision, epoch } = await origin.source.topic('news').set({ headline: 'hello' });
      const url = `${origin.proxy.url}/sync/state/news?e=${encodeURIComponent(epoch!)}&r=${revision}`;
      const first = await fetch(url, { headers: { authorization: 'Bearer alice-token' } });
      expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      await first.arrayBuffer();
      const second = await fetch(url, { headers: { authorization: 'Bearer bob-token' } });
      expect(second.headers.get('x-cache-status')).toBe('HIT');
      expect(await second.json()).toMatchObject({ data: { headline: 'hello' } });
    });
  });
});
