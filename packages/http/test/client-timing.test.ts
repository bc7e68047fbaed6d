// The client against a scripted fetch with fake timers: connectivity reported to engines across a
// drop, the resume id it sends, and the backoff of a mutation resent after failed requests. Plus
// the Last-Event-ID forms (sse-resume.ts).
import { defineMutators } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createHttpSyncClient, type HttpSyncClient } from '../src/index';
import { formatResumeId, MAX_RESUME_ID_LENGTH, parseResumeId } from '../src/sse-resume';
import { type ScriptedStream, scriptedStream } from './scripted-stream';

const open: HttpSyncClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  vi.useRealTimers();
});

type Script = {
  streams: ScriptedStream[];
  mutates: number[];
};

/** Event streams the test writes to; `/mutate` answers from `mutateAnswers` in turn. */
function scriptedFetch(mutateAnswers: Array<() => Response> = []) {
  const script: Script = { streams: [], mutates: [] };
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url.endsWith('/mutate')) {
      script.mutates.push(Date.now());
      const answer = mutateAnswers.shift();
      return answer ? answer() : new Response('{}', { status: 500 });
    }
    if (!url.includes('/events')) return new Response('{}', { status: 404 });
    const { stream, response } = scriptedStream(url, init);
    script.streams.push(stream);
    return response;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, script };
}

const frame = (message: unknown) => `data: ${JSON.stringify(message)}\n\n`;
const hello = frame({ type: 'hello', protocol: 1, epoch: 'e1', heartbeatMs: 1000 });

describe('connectivity', () => {
  it('tells engines the link is down once per outage, and back at the beacon after the reconnect', async () => {
    vi.useFakeTimers();
    const { fetch, script } = scriptedFetch();
    const c = createHttpSyncClient({
      url: 'http://x',
      fetch,
      browserEvents: false,
      random: () => 0,
    });
    open.push(c);
    const events: unknown[] = [];
    const subscribed = c.subscriber('t').subscribe((event) => events.push(event));
    await vi.advanceTimersByTimeAsync(0);
    script.streams[0]!.push(hello);
    await subscribed;
    script.streams[0]!.push(frame({ type: 'beacon', revisions: { t: '1' }, epoch: 'e1' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([{ topic: 't', revision: '1', epoch: 'e1', reason: 'beacon' }]);
    events.length = 0;
    script.streams[0]!.end();
    await vi.advanceTimersByTimeAsync(250); // reconnect attempt 1 …
    script.streams[1]!.end(); // … fails too: still one `connected: false`
    await vi.advanceTimersByTimeAsync(500);
    expect(events).toEqual([{ topic: 't', connected: false }]);
    const back = script.streams[2]!;
    back.push(hello);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toHaveLength(1); // not before the beacon says where the topics stand
    back.push(frame({ type: 'beacon', revisions: { t: '2' }, epoch: 'e1' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([
      { topic: 't', connected: false },
      { topic: 't', connected: true },
    ]);
  });
});

describe('mutations resent after failed requests', () => {
  it('resends the same seq with a doubling backoff until the server answers', async () => {
    vi.useFakeTimers();
    const unavailable = () =>
      new Response(JSON.stringify({ type: 'error', code: 'unavailable', message: 'retry' }), {
        status: 503,
      });
    const ack = () =>
      new Response(JSON.stringify({ type: 'ack', revision: '3', epoch: 'e1', lastAppliedSeq: 1 }), {
        status: 200,
      });
    const { fetch, script } = scriptedFetch([unavailable, unavailable, ack]);
    const mutators = {
      n: defineMutators({
        add: { args: z.number(), apply: (state: number | null, by) => (state ?? 0) + by },
      }),
    };
    const c = createHttpSyncClient({
      url: 'http://x',
      fetch,
      browserEvents: false,
      mutators,
      reconnect: { baseDelayMs: 100, maxDelayMs: 1000 },
    });
    open.push(c);
    const start = Date.now();
    const acked = c.mutate('n', 'add', 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(script.mutates.map((t) => t - start)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(100);
    expect(script.mutates.map((t) => t - start)).toEqual([0, 100]);
    await vi.advanceTimersByTimeAsync(199);
    expect(script.mutates).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await expect(acked).resolves.toMatchObject({ revision: '3', lastAppliedSeq: 1 });
    expect(script.mutates.map((t) => t - start)).toEqual([0, 100, 300]);
  });
});

describe('Last-Event-ID forms', () => {
  it('round-trips the single-topic and the multi-topic form', () => {
    expect(formatResumeId('e:1', new Map([['a', '4']]), 1)).toBe('e:1:4');
    expect(parseResumeId('e:1:4', new Set(['a']))).toEqual({
      epoch: 'e:1',
      revisions: new Map([['a', '4']]),
    });
    const id = formatResumeId(
      'ep',
      new Map([
        ['a', '4'],
        ['b/c=d&', '12'],
      ]),
      2,
    )!;
    expect(id).toBe('ep:a=4&b%2Fc%3Dd%26=12');
    expect(parseResumeId(id, new Set(['a', 'b/c=d&']))).toEqual({
      epoch: 'ep',
      revisions: new Map([
        ['a', '4'],
        ['b/c=d&', '12'],
      ]),
    });
    // the single-topic form is ambiguous on a multi-topic stream: no position
    expect(parseResumeId('ep:4', new Set(['a', 'b']))).toEqual({
      epoch: 'ep',
      revisions: new Map(),
    });
  });

  it('keeps the client id under half the server bound, leaving later topics to pull', () => {
    const many = new Map(Array.from({ length: 1000 }, (_, i) => [`topic-${i}`, String(i)]));
    const id = formatResumeId('ep', many, 1000)!;
    expect(id.length).toBeLessThanOrEqual(MAX_RESUME_ID_LENGTH / 2);
    const parsed = parseResumeId(id, new Set(many.keys()));
    expect('revisions' in parsed && parsed.revisions.size).toBeGreaterThan(100);
  });

  it('names the problem of a malformed id', () => {
    for (const bad of ['', 'nocolon', 'ep:01', 'ep:a=1&b', 'ep:%E0%A4%A=1', 'ep:__proto__=1']) {
      expect(parseResumeId(bad, new Set(['a']))).toMatchObject({ problem: expect.any(String) });
    }
    expect(parseResumeId('x'.repeat(MAX_RESUME_ID_LENGTH + 1), new Set(['a']))).toMatchObject({
      problem: expect.stringContaining('characters'),
    });
  });
});
