// The client: against a scripted fetch (fake timers for backoff and heartbeats) and against the
// real handler on 127.0.0.1 (resume, headers, revision-addressed pulls).
import { createSource } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpSyncClient, type HttpSyncClient, type StateSyncHttpError } from '../src/index';
import { openStack, type Stack } from './harness';
import { type ScriptedStream, scriptedStream } from './scripted-stream';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const item of open.splice(0).reverse()) await item.close();
});
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

/** A fetch whose event streams the test writes to by hand. */
function scriptedFetch() {
  const streams: ScriptedStream[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (!url.includes('/events')) return new Response('{}', { status: 404 });
    const { stream, response } = scriptedStream(url, init);
    streams.push(stream);
    return response;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, streams };
}

const hello = (heartbeatMs = 1000) =>
  `data: ${JSON.stringify({ type: 'hello', protocol: 1, epoch: 'e1', heartbeatMs })}\n\n`;

function client(options: Parameters<typeof createHttpSyncClient>[0]): HttpSyncClient {
  const c = createHttpSyncClient({ browserEvents: false, ...options });
  open.push(c);
  return c;
}

describe('options', () => {
  it('rejects a URL that is not http(s) and a topic that breaks the topic rule', () => {
    expect(() => createHttpSyncClient({ url: 'ws://x' })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    const c = client({ url: 'http://x', fetch: scriptedFetch().fetch });
    expect(() => c.subscriber('__proto__')).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});

describe('connection', () => {
  it('reconnects with exponential backoff after drops and resets it once a stream lived a heartbeat', async () => {
    vi.useFakeTimers();
    const { fetch, streams } = scriptedFetch();
    const statuses: string[] = [];
    client({
      url: 'http://x/sync',
      fetch,
      random: () => 0,
      reconnect: { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 },
      onStatus: (s) => statuses.push(s),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(streams).toHaveLength(1);
    for (const [drop, delay] of [
      [0, 100],
      [1, 200],
      [2, 400],
    ] as const) {
      streams[drop]!.end();
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(streams).toHaveLength(drop + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(streams).toHaveLength(drop + 2);
    }
    streams[3]!.push(hello());
    streams[3]!.push(': heartbeat\n\n');
    await vi.advanceTimersByTimeAsync(0);
    streams[3]!.end();
    await vi.advanceTimersByTimeAsync(100);
    expect(streams).toHaveLength(5);
    expect(statuses).toEqual(['reconnecting', 'open', 'reconnecting']);
  });

  it('declares a silent stream dead after 2 × heartbeatMs and reconnects', async () => {
    vi.useFakeTimers();
    const { fetch, streams } = scriptedFetch();
    const errors: StateSyncHttpError[] = [];
    client({ url: 'http://x', fetch, random: () => 0, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(0);
    streams[0]!.push(hello(1000));
    await vi.advanceTimersByTimeAsync(1999);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors.map((e) => e.code)).toEqual(['heartbeat_timeout']);
    await vi.advanceTimersByTimeAsync(250);
    expect(streams).toHaveLength(2);
  });

  it('reports bad frames as invalid_message and keeps reading; an oversized event ends the stream', async () => {
    vi.useFakeTimers();
    const { fetch, streams } = scriptedFetch();
    const errors: StateSyncHttpError[] = [];
    const c = client({
      url: 'http://x',
      fetch,
      maxEventBytes: 1000,
      random: () => 0,
      onError: (e) => errors.push(e),
    });
    await vi.advanceTimersByTimeAsync(0);
    streams[0]!.push(hello());
    streams[0]!.push(
      'data: not json\n\ndata: {"type":"invalidate","topic":"t","revision":"01","epoch":"e"}\n\n',
    );
    streams[0]!.push(`data: ${'x'.repeat(2000)}`);
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => e.code)).toEqual(['invalid_message', 'invalid_message', 'too_large']);
    expect(c.getMetrics().invalidFrames).toBe(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(streams).toHaveLength(2);
  });

  it('asks getHeaders before every request and sends Last-Event-ID when it resumes', async () => {
    vi.useFakeTimers();
    const { fetch, streams } = scriptedFetch();
    let token = 0;
    const c = client({
      url: 'http://x',
      fetch,
      random: () => 0,
      getHeaders: () => ({ authorization: `Bearer ${++token}` }),
    });
    const subscribed = c.subscriber('t').subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const live = streams.at(-1)!;
    expect(live.url).toBe('http://x/events?topic=t&features=delta,inline,resume');
    live.push(hello());
    await subscribed;
    live.push(
      `id: e1:7\ndata: ${JSON.stringify({ type: 'invalidate', topic: 't', revision: '7', epoch: 'e1' })}\n\n`,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(live.headers.get('last-event-id')).toBeNull();
    live.end();
    await vi.advanceTimersByTimeAsync(250);
    const resumed = streams.at(-1)!;
    expect(resumed.headers.get('last-event-id')).toBe('e1:7');
    expect(resumed.headers.get('authorization')).toBe(`Bearer ${token}`);
    expect(token).toBeGreaterThan(1);
  });
});

describe('over HTTP on 127.0.0.1', () => {
  async function stack(): Promise<Stack> {
    const s = await openStack();
    open.push(s);
    return s;
  }

  it('pulls the revision-addressed URL the invalidation named, so a cache can answer it', async () => {
    const s = await stack();
    const urls: string[] = [];
    const c = s.client({
      push: false, // with push the change rides on the invalidation: nothing to pull
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    const seen: unknown[] = [];
    const handle = c.sync<number>('n', { applier: { apply: (e) => void seen.push(e.data) } });
    await handle.start();
    const { revision, epoch } = await s.source.topic('n').set(5);
    await eventually(() => expect(seen).toEqual([null, 5]));
    const pulls = urls.filter((u) => u.includes('/state/'));
    expect(pulls.at(-1)).toBe(`${s.url}/state/n?e=${encodeURIComponent(epoch!)}&r=${revision}`);
    handle.stop();
  });

  it('after a server restart, resumes with Last-Event-ID and pulls every topic once', async () => {
    const s = await stack();
    const c = s.client();
    const seen: unknown[] = [];
    const handle = c.sync<number>('r', { applier: { apply: (e) => void seen.push(e.data) } });
    await handle.start();
    await s.source.topic('r').set(1);
    await eventually(() => expect(seen.at(-1)).toBe(1));
    const source = createSource();
    source.topic('r', { initial: 100 });
    await s.restart({ source });
    await eventually(() => expect(seen.at(-1)).toBe(100));
    expect(s.handler.getMetrics().resumed).toBe(1);
    handle.stop();
  });

  it('fails requests after close with closed', async () => {
    const s = await stack();
    const c = s.client();
    await c.close();
    await expect(c.provider('x').getSnapshot()).rejects.toMatchObject({ code: 'closed' });
    await expect(c.mutateOp('x', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(c.status()).toBe('closed');
  });
});
