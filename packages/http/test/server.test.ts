// The Fetch handler called directly with Requests: routes, cache headers, auth, CORS, mutate,
// and every limit under a flood. (Over real sockets: contract.test.ts, cache.test.ts, node.test.ts.)
import { createSource, type Source } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createHttpSyncHandler,
  type HttpSyncHandler,
  type HttpSyncHandlerOptions,
  StateSyncHttpError,
} from '../src/server';
import { readSse, type SseReader } from './sse-reader';

const BASE = 'http://sync.test/sync';
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const item of open.splice(0).reverse()) await item.close();
});

function setup(options: Partial<HttpSyncHandlerOptions<string>> = {}) {
  const source = options.source ?? createSource();
  const handler = createHttpSyncHandler<string>({ basePath: '/sync', ...options, source });
  open.push(handler);
  return { source, handler };
}

async function stream(
  handler: HttpSyncHandler<string>,
  query: string,
  init: RequestInit = {},
): Promise<SseReader> {
  const response = await handler(new Request(`${BASE}/events?${query}`, init));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const reader = readSse(response);
  open.push({ close: () => reader.cancel() });
  return reader;
}

const get = (
  handler: HttpSyncHandler<string>,
  path: string,
  headers: Record<string, string> = {},
) => handler(new Request(`${BASE}${path}`, { headers }));

describe('options', () => {
  it('rejects options that cannot work with invalid_argument', () => {
    const source = createSource();
    expect(() => createHttpSyncHandler({ source: {} as Source })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    for (const bad of [
      { heartbeatMs: 0 },
      { beaconMs: 2 ** 31 },
      { maxConnections: -1 },
      { maxTopicsPerConnection: Number.NaN },
    ])
      expect(() => createHttpSyncHandler({ source, ...bad })).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
  });
});

describe('routes', () => {
  it('answers an unknown path with 404 not_found and a wrong method with 405', async () => {
    const { handler } = setup();
    const missing = await get(handler, '/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'error', code: 'not_found' });
    const wrong = await handler(new Request(`${BASE}/state/x`, { method: 'DELETE' }));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('snapshots', () => {
  it('serves the snapshot with ETag "epoch:revision" and answers If-None-Match with 304', async () => {
    const { source, handler } = setup();
    const { revision, epoch } = await source.topic('board').set({ cards: ['a'] });
    const response = await get(handler, '/state/board');
    const tag = `"${encodeURIComponent(epoch!)}:${revision}"`;
    expect(response.headers.get('etag')).toBe(tag);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.json()).toEqual({
      type: 'snapshot',
      topic: 'board',
      revision,
      epoch,
      data: { cards: ['a'] },
    });
    const again = await get(handler, '/state/board', { 'if-none-match': tag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await source.topic('board').set({ cards: [] });
    expect((await get(handler, '/state/board', { 'if-none-match': tag })).status).toBe(200);
    expect(handler.getMetrics()).toMatchObject({ snapshotsServed: 2, notModified: 1 });
  });

  it('answers the current revision-addressed URL as immutable and redirects any other to it', async () => {
    const { source, handler } = setup();
    const first = await source.topic('t').set(1);
    const second = await source.topic('t').set(2);
    const epoch = encodeURIComponent(second.epoch!);
    const current = await get(handler, `/state/t?e=${epoch}&r=${second.revision}`);
    expect(current.status).toBe(200);
    expect(current.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const query of [
      `e=${epoch}&r=${first.revision}`,
      `e=other&r=${second.revision}`,
      'r=99',
    ]) {
      const old = await get(handler, `/state/t?${query}`);
      expect(old.status).toBe(307);
      expect(old.headers.get('cache-control')).toBe('no-store');
      expect(old.headers.get('location')).toBe(`./t?e=${epoch}&r=${second.revision}`);
    }
    const bad = await get(handler, '/state/t?r=007');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_request' });
  });

  it('refuses reserved, blank and badly encoded topic names with 400 invalid_topic', async () => {
    const { handler } = setup();
    for (const path of ['/state/__proto__', '/state/%20', '/state/%E0%A4%A']) {
      const response = await get(handler, path);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_topic' });
    }
  });

  it('keeps at most snapshotCacheEntries serialised snapshots however many topics are asked for', async () => {
    const { handler } = setup({ snapshotCacheEntries: 3 });
    for (let i = 0; i < 50; i++) expect((await get(handler, `/state/t${i}`)).status).toBe(200);
    // Not observable from outside but through the answers staying right after eviction:
    const response = await get(handler, '/state/t0');
    expect(await response.json()).toMatchObject({ topic: 't0', revision: '0' });
  });
});

describe('authentication and authorisation', () => {
  const users: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };
  const authenticate = (request: Request) => {
    const user = users[request.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''];
    if (!user) throw new StateSyncHttpError('unauthorized', 'unknown token');
    return user;
  };
  const authorize = (user: string, topic: string) => topic === `room:${user}`;

  it('answers 401 without a principal and 403 for a topic not allowed, on every route', async () => {
    const { handler } = setup({ authenticate, authorize, onMutate: () => ({}) });
    expect((await get(handler, '/state/room:alice')).status).toBe(401);
    expect((await get(handler, '/events?topics=room:alice')).status).toBe(401);
    const bob = { authorization: 'Bearer bob-token' };
    expect((await get(handler, '/state/room:alice', bob)).status).toBe(403);
    const mutate = await handler(
      new Request(`${BASE}/mutate`, {
        method: 'POST',
        headers: { ...bob, 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'room:alice', op: {} }),
      }),
    );
    expect(mutate.status).toBe(403);
    expect(handler.getMetrics()).toMatchObject({ unauthorized: 2, forbidden: 2 });
  });

  it('marks snapshots private (never shared) when auth is set, unless isPublic says otherwise', async () => {
    const { source, handler } = setup({ authenticate, isPublic: (topic) => topic === 'news' });
    const { epoch, revision } = await source.topic('room:alice').set({ secret: 1 });
    const alice = { authorization: 'Bearer alice-token' };
    const mine = await get(
      handler,
      `/state/room:alice?e=${encodeURIComponent(epoch!)}&r=${revision}`,
      alice,
    );
    expect(mine.headers.get('cache-control')).toBe('private, no-cache');
    expect(mine.headers.get('vary')).toContain('Authorization');
    const news = await source.topic('news').set({ headline: 1 });
    const shared = await get(
      handler,
      `/state/news?e=${encodeURIComponent(news.epoch!)}&r=${news.revision}`,
      alice,
    );
    expect(shared.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('sends an error frame for each refused topic and streams the allowed ones', async () => {
    const { source, handler } = setup({ authenticate, authorize });
    const reader = await stream(handler, 'topics=room:alice,room:bob', {
      headers: { authorization: 'Bearer alice-token' },
    });
    expect(await reader.next((m) => m.type === 'error')).toMatchObject({
      code: 'forbidden',
      topic: 'room:bob',
    });
    await reader.next((m) => m.type === 'beacon');
    await source.topic('room:bob').set(1);
    await source.topic('room:alice').set(1);
    await reader.next((m) => m.type === 'invalidate');
    expect(
      reader.frames.filter((f) => f.message.type === 'invalidate').map((f) => f.message.topic),
    ).toEqual(['room:alice']);
  });
});

describe('event streams', () => {
  it('starts with hello and a beacon of every topic, then invalidations with id epoch:revision', async () => {
    const { source, handler } = setup({ heartbeatMs: 5000 });
    await source.topic('a').set(1);
    const epoch = await source.getEpoch();
    const reader = await stream(handler, 'topics=a,b');
    expect(await reader.next(() => true)).toEqual({
      type: 'hello',
      protocol: 1,
      epoch,
      heartbeatMs: 5000,
    });
    expect(await reader.next((m) => m.type === 'beacon')).toEqual({
      type: 'beacon',
      revisions: { a: '1', b: '0' },
      epoch,
    });
    await source.topic('b').set('x', { sourceId: 'w1' });
    await reader.next((m) => m.type === 'invalidate');
    expect(reader.frames.at(-1)).toEqual({
      id: `${epoch}:1`,
      message: { type: 'invalidate', topic: 'b', revision: '1', epoch, sourceId: 'w1' },
    });
  });

  it('takes a topic list in a POST body, for lists too long for a URL', async () => {
    const { handler } = setup();
    const topics = Array.from({ length: 600 }, (_, i) => `a-rather-long-topic-name-${i}`);
    const reader = await stream(handler, '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topics }),
    });
    const beacon = await reader.next((m) => m.type === 'beacon');
    expect(Object.keys(beacon.revisions as object)).toHaveLength(600);
  });

  it('shares one source listener per topic across streams and releases it when the last stream ends', async () => {
    const { source, handler } = setup();
    const baseline = source.listenerCount();
    const one = await stream(handler, 'topics=shared');
    const two = await stream(handler, 'topics=shared');
    expect(source.listenerCount()).toBe(baseline + 1);
    await one.cancel();
    await two.cancel();
    expect(handler.watchedTopics()).toEqual([]);
    expect(source.listenerCount()).toBe(baseline);
    expect(handler.getMetrics().connections).toBe(0);
  });

  it('sends a comment heartbeat every heartbeatMs and a beacon every beaconMs', async () => {
    vi.useFakeTimers();
    const { source, handler } = setup({ heartbeatMs: 1000, beaconMs: 3000 });
    const reader = await stream(handler, 'topics=a');
    await reader.next((m) => m.type === 'beacon');
    await source.topic('a').set(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(reader.comments).toBe(3);
    const beacons = reader.frames.filter((f) => f.message.type === 'beacon');
    expect(beacons.at(-1)?.message).toMatchObject({ revisions: { a: '1' } });
    expect(beacons).toHaveLength(2);
  });
});

describe('limits', () => {
  it('refuses more than maxTopicsPerConnection topics with 400 too_many_topics', async () => {
    const { handler } = setup({ maxTopicsPerConnection: 3 });
    const response = await get(handler, '/events?topics=a,b,c,d');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'too_many_topics' });
    expect(handler.getMetrics().tooManyTopics).toBe(1);
    const bad = await get(handler, '/events?topics=a,__proto__');
    expect(await bad.json()).toMatchObject({ code: 'invalid_topic' });
  });

  it('refuses streams past maxConnections with 503 too_many_connections, and takes new ones once some end', async () => {
    const { handler } = setup({ maxConnections: 3 });
    const readers = [];
    for (let i = 0; i < 3; i++) readers.push(await stream(handler, 'topics=x'));
    const flood = await Promise.all(
      Array.from({ length: 20 }, () => get(handler, '/events?topics=x')),
    );
    for (const response of flood) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
    }
    expect(handler.getMetrics()).toMatchObject({ connections: 3, tooManyConnections: 20 });
    await readers[0]!.cancel();
    await stream(handler, 'topics=x');
  });

  it('closes a stream whose backlog stays above maxBufferedBytes for slowConsumerMs, not before', async () => {
    vi.useFakeTimers();
    const errors: StateSyncHttpError[] = [];
    const { source, handler } = setup({
      maxBufferedBytes: 2000,
      slowConsumerMs: 5000,
      heartbeatMs: 1000,
      onError: (error) => errors.push(error),
    });
    // Opened and never read: every frame stays queued.
    const response = await get(handler, '/events?topics=busy');
    for (let i = 0; i < 30; i++) await source.topic('busy').set(i);
    const [stream] = handler.streams();
    expect(stream!.backlog()).toBeGreaterThan(2000);
    await vi.advanceTimersByTimeAsync(4000);
    expect(handler.getMetrics().connections).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(handler.getMetrics()).toMatchObject({ connections: 0, slowConsumersDropped: 1 });
    expect(errors.map((e) => e.code)).toEqual(['slow_consumer']);
    expect(handler.watchedTopics()).toEqual([]);
    await response.body?.cancel();
  });

  it('keeps a stream that catches up, however long its backlog was high', async () => {
    vi.useFakeTimers();
    const { source, handler } = setup({
      maxBufferedBytes: 2000,
      slowConsumerMs: 5000,
      heartbeatMs: 1000,
    });
    const response = await get(handler, '/events?topics=busy');
    for (let i = 0; i < 30; i++) await source.topic('busy').set(i);
    await vi.advanceTimersByTimeAsync(4000);
    const reader = readSse(response);
    open.push({ close: () => reader.cancel() });
    await vi.advanceTimersByTimeAsync(4000);
    expect(handler.getMetrics()).toMatchObject({ connections: 1, slowConsumersDropped: 0 });
    expect(reader.frames.filter((f) => f.message.type === 'invalidate')).toHaveLength(30);
  });

  it('closes at once a stream whose backlog passes 4 × maxBufferedBytes', async () => {
    const { source, handler } = setup({ maxBufferedBytes: 1000 });
    await get(handler, '/events?topics=flood');
    for (let i = 0; i < 200 && handler.getMetrics().connections > 0; i++)
      await source.topic('flood').set(i);
    expect(handler.getMetrics()).toMatchObject({ connections: 0, slowConsumersDropped: 1 });
  });
});

describe('CORS', () => {
  const cors = { origins: ['https://app.example'], credentials: true };

  it('answers a preflight from an allowed origin and refuses other origins with 403', async () => {
    const { handler } = setup({ cors });
    const preflight = await handler(
      new Request(`${BASE}/mutate`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example' },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Last-Event-ID');
    const other = await get(handler, '/state/x', { origin: 'https://evil.example' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const mine = await get(handler, '/state/x', { origin: 'https://app.example' });
    expect(mine.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(mine.headers.get('vary')).toContain('Origin');
    expect(handler.getMetrics().refusedOrigins).toBe(1);
  });
});

describe('mutate', () => {
  const post = (
    handler: HttpSyncHandler<string>,
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => handler(new Request(`${BASE}/mutate`, { method: 'POST', headers, body }));

  it('hands the op to onMutate and answers with the new revision', async () => {
    const seen: unknown[] = [];
    const { handler } = setup({
      onMutate: async ({ topic, op, baseRevision, source }) => {
        seen.push({ topic, op, baseRevision });
        return source.topic(topic).set(op);
      },
    });
    const response = await post(
      handler,
      JSON.stringify({ topic: 't', op: { n: 1 }, baseRevision: '0' }),
    );
    expect(await response.json()).toEqual({ type: 'ack', revision: '1' });
    expect(seen).toEqual([{ topic: 't', op: { n: 1 }, baseRevision: '0' }]);
  });

  it('refuses what it cannot take: no onMutate 501, not JSON 415/400, too large 413, a bad topic 400', async () => {
    expect((await post(setup().handler, '{}')).status).toBe(501);
    const { handler } = setup({ onMutate: () => ({}), maxBodyBytes: 100 });
    expect((await post(handler, '{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(handler, 'nope')).status).toBe(400);
    const big = await post(handler, JSON.stringify({ topic: 't', op: 'x'.repeat(200) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'too_large' });
    const reserved = await post(handler, JSON.stringify({ topic: '__proto__', op: 1 }));
    expect(await reserved.json()).toMatchObject({ code: 'invalid_topic' });
  });

  it("answers onMutate's own refusal with its code, and anything else with 500 reported to onError", async () => {
    const errors: StateSyncHttpError[] = [];
    const { handler } = setup({
      onError: (error) => errors.push(error),
      onMutate: ({ op }) => {
        if (op === 'refuse') throw new StateSyncHttpError('rejected', 'not today');
        throw new Error('boom');
      },
    });
    const refused = await post(handler, JSON.stringify({ topic: 't', op: 'refuse' }));
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'rejected', message: 'not today' });
    const broken = await post(handler, JSON.stringify({ topic: 't', op: 'other' }));
    expect(broken.status).toBe(500);
    expect(JSON.stringify(await broken.json())).not.toContain('boom');
    expect(errors.map((e) => e.code)).toEqual(['internal']);
  });
});

describe('close', () => {
  it('ends every stream, releases every listener and answers later requests with 503', async () => {
    const { source, handler } = setup();
    const baseline = source.listenerCount();
    const reader = await stream(handler, 'topics=a,b');
    await handler.close();
    await reader.ended;
    expect(source.listenerCount()).toBe(baseline);
    expect((await get(handler, '/state/a')).status).toBe(503);
  });

  it('refuses a stream that was still opening when close() came, leaving nothing behind', async () => {
    const real = createSource();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const source: Source = {
      ...real,
      getEpoch: async () => {
        await held;
        return real.getEpoch();
      },
    };
    const { handler } = setup({ source });
    const opening = get(handler, '/events?topics=a');
    await new Promise((resolve) => setTimeout(resolve, 0));
    await handler.close();
    release();
    expect((await opening).status).toBe(503);
    expect(handler.getMetrics().connections).toBe(0);
    expect(handler.watchedTopics()).toEqual([]);
  });
});
