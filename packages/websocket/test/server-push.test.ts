// Push over real sockets: clients that announce features get the change (delta, or the small
// state inline) in the invalidation, serialised once per change; old clients get plain
// invalidations and still converge; `get` with `since` resumes with one combined delta.

import { createMemoryStore, createSource } from '@state-sync/core';
import { applyDelta } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServerOptions } from '../src/server';
import { openStack, type Stack } from './harness';
import { type RawClient, rawClient } from './raw-client';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const FEATURES = ['delta', 'inline', 'resume'];

async function stack(options: Partial<SyncServerOptions> = {}, diff = true): Promise<Stack> {
  const source = createSource({
    store: createMemoryStore({ epoch: 'E' }),
    ...(diff ? { diff: diffStates } : {}),
  });
  const s = await openStack({ source, ...options });
  open.push(s);
  return s;
}

/** A raw client past the handshake, subscribed to `topics`; `features` undefined = old client. */
async function client(
  s: Stack,
  features: string[] | undefined,
  topics: string[],
): Promise<RawClient> {
  const c = rawClient(s.url);
  open.push({ close: () => c.ws.terminate() });
  await c.opened;
  c.send(features ? { type: 'auth', protocol: 1, features } : { type: 'auth' });
  await c.next((f) => f.type === 'hello');
  c.send({ type: 'subscribe', topics });
  // a get orders us after the subscribe
  c.send({ type: 'get', id: 'ready', topic: topics[0] });
  await c.next((f) => f.type === 'snapshot' && f.id === 'ready');
  return c;
}

const big = (n: number) => ({
  items: Array.from({ length: n }, (_, i) => ({ id: i, name: `item ${i}`, done: false })),
});

describe('push to clients that announce features', () => {
  it('an invalidation carries the delta; the same frame, serialised once, reaches every such client', async () => {
    const s = await stack();
    const topic = s.source.topic<ReturnType<typeof big>>('t');
    await topic.set(big(100));
    const clients = await Promise.all(Array.from({ length: 20 }, () => client(s, FEATURES, ['t'])));
    const before = s.server.getMetrics().invalidationFrames;
    const next = structuredClone(big(100));
    next.items[7]!.done = true;
    await topic.set(next);
    const frames = await Promise.all(clients.map((c) => c.next((f) => f.type === 'invalidate')));
    for (const frame of frames) {
      expect(frame).toEqual({
        type: 'invalidate',
        topic: 't',
        revision: '2',
        epoch: 'E',
        delta: { baseRevision: '1', ops: [{ op: 'replace', path: '/items/7/done', value: true }] },
      });
    }
    expect(s.server.getMetrics().invalidationFrames - before).toBe(1);
    expect(s.server.getMetrics().deltasPushed).toBe(20);
    // the delta turns the client's state into the source's
    expect(applyDelta(big(100), (frames[0] as { delta: { ops: never } }).delta.ops)).toEqual(next);
  });

  it('an old client (no features) gets the plain invalidation, pulls and converges', async () => {
    const s = await stack();
    const topic = s.source.topic<{ n: number; pad: string }>('t');
    const pad = 'x'.repeat(500);
    await topic.set({ n: 1, pad });
    const modern = await client(s, FEATURES, ['t']);
    const old = await client(s, undefined, ['t']);
    await topic.set({ n: 2, pad });
    const plain = await old.next((f) => f.type === 'invalidate');
    expect(plain).toEqual({ type: 'invalidate', topic: 't', revision: '2', epoch: 'E' });
    expect((await modern.next((f) => f.type === 'invalidate')).delta).toBeDefined();
    old.send({ type: 'get', id: 'g', topic: 't' });
    const snapshot = await old.next((f) => f.type === 'snapshot' && f.id === 'g');
    expect(snapshot).toMatchObject({ revision: '2', data: { n: 2, pad } });
    // two kinds of subscriber: one frame each, still not one per subscriber
    expect(s.server.getMetrics().invalidationFrames).toBe(2);
  });

  it('without a delta, a state up to inlineBytes rides inline; a larger one is left to a pull', async () => {
    const s = await stack({ inlineBytes: 100 }, false);
    const topic = s.source.topic<{ text: string }>('t');
    await topic.set({ text: 'a' });
    const c = await client(s, FEATURES, ['t']);
    await topic.set({ text: 'b' });
    expect(await c.next((f) => f.type === 'invalidate')).toEqual({
      type: 'invalidate',
      topic: 't',
      revision: '2',
      epoch: 'E',
      data: { text: 'b' },
    });
    await topic.set({ text: 'x'.repeat(200) });
    const frame = await c.next((f) => f.type === 'invalidate' && f.revision === '3');
    expect('data' in frame || 'delta' in frame).toBe(false);
  });

  it('invalidations go out as text frames, plain, delta and inline alike, non-ASCII intact', async () => {
    const s = await stack();
    const topic = s.source.topic<{ text: string; pad: string }>('t');
    const pad = 'é✓'.repeat(300);
    await topic.set({ text: 'a', pad });
    const modern = await client(s, FEATURES, ['t']);
    const old = await client(s, undefined, ['t']);
    await topic.set({ text: 'ß €', pad }); // a delta
    await topic.set({ text: '✓', pad: 'ü' }); // smaller than its delta: inline
    const kinds = await Promise.all(
      ['2', '3'].map((revision) =>
        modern.next((f) => f.type === 'invalidate' && f.revision === revision),
      ),
    );
    expect(kinds[0]!.delta).toBeDefined();
    expect(kinds[1]!.data).toEqual({ text: '✓', pad: 'ü' });
    await old.next((f) => f.type === 'invalidate' && f.revision === '3');
    expect(modern.binary.concat(old.binary)).not.toContain(true);
    expect(applyDelta({ text: 'a', pad }, (kinds[0]!.delta as { ops: never }).ops)).toEqual({
      text: 'ß €',
      pad,
    });
  });

  it('push: false sends plain invalidations to everyone and announces no features', async () => {
    const s = await stack({ push: false });
    await s.source.topic('t').set({ n: 1 });
    const c = await client(s, FEATURES, ['t']);
    await s.source.topic('t').set({ n: 2 });
    expect(await c.next((f) => f.type === 'invalidate')).toEqual({
      type: 'invalidate',
      topic: 't',
      revision: '2',
      epoch: 'E',
    });
  });
});

describe('resume: get with since', () => {
  it('three small changes of a 100 KB state come back as one delta under 2 KB', async () => {
    const s = await stack();
    const topic = s.source.topic<ReturnType<typeof big>>('t');
    const initial = big(2400);
    await topic.set(initial);
    expect(JSON.stringify(initial).length).toBeGreaterThan(100_000);
    let state = initial;
    for (const i of [3, 500, 2399]) {
      state = {
        items: state.items.map((item) => (item.id === i ? { ...item, done: true } : item)),
      };
      await topic.set(state);
    }
    const c = await client(s, FEATURES, ['other']);
    let bytes = 0;
    c.ws.on('message', (data) => {
      bytes += (data as Buffer).length;
    });
    c.send({ type: 'get', id: 'r', topic: 't', since: { epoch: 'E', revision: '1' } });
    const answer = await c.next((f) => f.id === 'r');
    expect(answer).toMatchObject({ type: 'snapshot', revision: '4', delta: { baseRevision: '1' } });
    expect('data' in answer).toBe(false);
    expect(bytes).toBeLessThanOrEqual(2048);
    expect(applyDelta(initial, (answer.delta as { ops: never }).ops)).toEqual(state);
    expect(s.server.getMetrics().resumedWithDelta).toBe(1);
  });

  it("answers a snapshot when the log no longer reaches back, or the epoch is not the source's", async () => {
    const source = createSource({
      store: createMemoryStore({ epoch: 'E', deltaLog: { maxEntries: 2 } }),
      diff: diffStates,
    });
    const s = await openStack({ source });
    open.push(s);
    const topic = source.topic<ReturnType<typeof big>>('t');
    let state = big(50);
    await topic.set(state);
    for (const i of [1, 2, 3]) {
      state = {
        items: state.items.map((item) => (item.id === i ? { ...item, done: true } : item)),
      };
      await topic.set(state);
    }
    const c = await client(s, FEATURES, ['other']);
    c.send({ type: 'get', id: 'old', topic: 't', since: { epoch: 'E', revision: '1' } });
    expect(await c.next((f) => f.id === 'old')).toMatchObject({ revision: '4', data: state });
    c.send({ type: 'get', id: 'near', topic: 't', since: { epoch: 'E', revision: '2' } });
    expect(await c.next((f) => f.id === 'near')).toMatchObject({ delta: { baseRevision: '2' } });
    c.send({ type: 'get', id: 'epoch', topic: 't', since: { epoch: 'other', revision: '3' } });
    expect(await c.next((f) => f.id === 'epoch')).toMatchObject({ revision: '4', data: state });
  });

  it('an old client asking with since (no resume feature) gets a snapshot', async () => {
    const s = await stack();
    const topic = s.source.topic<{ n: number; pad: string }>('t');
    await topic.set({ n: 1, pad: 'x'.repeat(500) });
    await topic.set({ n: 2, pad: 'x'.repeat(500) });
    const c = await client(s, undefined, ['other']);
    c.send({ type: 'get', id: 'g', topic: 't', since: { epoch: 'E', revision: '1' } });
    expect(await c.next((f) => f.id === 'g')).toMatchObject({ revision: '2', data: { n: 2 } });
  });
});

describe('a full resync fits the default request bounds', () => {
  it('a client with 900 topics pulls them all at once after a reconnect, none refused', async () => {
    // The defaults, not the harness's rateLimit: false.
    const s = await stack({ rateLimit: undefined });
    const topics = Array.from({ length: 900 }, (_, i) => `t${i}`);
    const c = rawClient(s.url);
    open.push({ close: () => c.ws.terminate() });
    await c.opened;
    const errors: unknown[] = [];
    let snapshots = 0;
    c.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string };
      if (frame.type === 'error') errors.push(frame);
      if (frame.type === 'snapshot') snapshots++;
    });
    c.send({ type: 'auth', protocol: 1, features: FEATURES });
    c.send({ type: 'subscribe', topics });
    for (const topic of topics) c.send({ type: 'get', id: topic, topic });
    await expect.poll(() => snapshots, { timeout: 10_000 }).toBe(900);
    expect(errors).toEqual([]);
    expect(s.server.getMetrics().rateLimited).toBe(0);
  });
});
