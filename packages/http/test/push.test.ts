// Push over SSE (deltas and inline state on `invalidate`), resume after a drop (Last-Event-ID
// answered from the delta log, revision-addressed delta URLs) and the engines' connectivity, over
// real HTTP on 127.0.0.1.
import { createMemoryStore, createSource, type SyncStatus } from '@state-sync/core';
import { diffStates } from '@state-sync/protocol/diff';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StateSyncHttpError } from '../src/index';
import { createHttpSyncHandler } from '../src/server';
import { openStack, type Stack } from './harness';

const open: Stack[] = [];
afterEach(async () => {
  for (const stack of open.splice(0)) await stack.close();
});
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

type Board = { cards: { id: number; text: string }[]; title: string };

/** A board of about `kb` KB. */
function board(kb: number): Board {
  const cards = Array.from({ length: kb * 10 }, (_, id) => ({
    id,
    text: `card ${id} `.padEnd(90, '.'),
  }));
  return { cards, title: 'board' };
}

async function stack(
  options: Parameters<typeof openStack>[0] = {},
  store = createMemoryStore(),
): Promise<Stack> {
  const s = await openStack({ source: createSource({ store, diff: diffStates }), ...options });
  open.push(s);
  return s;
}

/** A fetch that counts the bytes of every response body it hands out. */
function countingFetch() {
  let bytes = 0;
  const urls: string[] = [];
  const counting: typeof fetch = async (input, init) => {
    urls.push(String(input));
    const response = await fetch(input, init);
    if (!response.body) return response;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(counter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return {
    fetch: counting,
    urls,
    bytes: () => bytes,
    reset() {
      bytes = 0;
      urls.length = 0;
    },
  };
}

describe('push over SSE', () => {
  it('refuses an inlineBytes that is not a non-negative integer', () => {
    for (const inlineBytes of [-1, 1.5, Number.NaN]) {
      expect(() => createHttpSyncHandler({ source: createSource(), inlineBytes })).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });

  it('pushes only to streams that announced the features, and says so in hello', async () => {
    const s = await stack();
    const hello = async (query: string) => {
      const response = await fetch(`${s.url}/events?topic=t${query}`);
      const reader = response.body!.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      const first = new TextDecoder().decode(value).split('\n')[0]!;
      return JSON.parse(first.replace(/^data: /, '')) as {
        features?: string[];
      };
    };
    expect((await hello('&features=delta,inline,resume,future')).features).toEqual([
      'delta',
      'inline',
      'resume',
    ]);
    expect((await hello('')).features).toBeUndefined();
    const off = await stack({ push: false });
    const response = await fetch(`${off.url}/events?topic=t&features=delta`);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    expect(new TextDecoder().decode(value).split('\n')[0]).not.toContain('features');
  });

  it('applies a pushed delta without a pull, on its exact base, with the same bytes for every stream', async () => {
    const s = await stack();
    const topic = s.source.topic<Board>('b');
    await topic.set(board(20));
    const clients = [s.client(), s.client()];
    const seen: Board[][] = [[], []];
    const handles = clients.map((c, i) =>
      c.sync<Board>('b', { applier: { apply: (e) => void seen[i]!.push(e.data) } }),
    );
    await Promise.all(handles.map((h) => h.start()));
    const before = clients.map((c) => c.getMetrics().snapshotRequests);
    await topic.update((b) => ({ ...b, title: 'renamed' }));
    await eventually(() =>
      expect(seen.map((list) => list.at(-1)?.title)).toEqual(['renamed', 'renamed']),
    );
    expect(clients.map((c) => c.getMetrics().snapshotRequests)).toEqual(before);
    expect(clients.map((c) => c.getMetrics().deltas)).toEqual([1, 1]);
    // Untouched parts of the state are shared with the previous one, not copied.
    expect(seen[0]!.at(-1)!.cards).toBe(seen[0]!.at(-2)!.cards);
    expect(s.handler.getMetrics()).toMatchObject({ deltasPushed: 2, invalidationsSent: 2 });
    for (const h of handles) h.stop();
  });

  it('inlines a state up to inlineBytes, sends nothing beyond it, and plain invalidations to clients without push', async () => {
    const s = await stack({ inlineBytes: 64 });
    const small = s.source.topic<unknown>('small');
    const big = s.source.topic<unknown>('big');
    const pusher = s.client();
    const old = s.client({ push: false });
    const got: Record<string, unknown[]> = { small: [], big: [], oldSmall: [] };
    const handles = [
      pusher.sync('small', { applier: { apply: (e) => void got.small!.push(e.data) } }),
      pusher.sync('big', { applier: { apply: (e) => void got.big!.push(e.data) } }),
      old.sync('small', { applier: { apply: (e) => void got.oldSmall!.push(e.data) } }),
    ];
    await Promise.all(handles.map((h) => h.start()));
    const pulls = pusher.getMetrics().snapshotRequests;
    const oldPulls = old.getMetrics().snapshotRequests;
    await small.set(7); // no previous state worth a delta: inline
    await big.set('x'.repeat(100)); // above inlineBytes: plain, pulled
    await eventually(() => {
      expect(got.small!.at(-1)).toBe(7);
      expect(got.big!.at(-1)).toBe('x'.repeat(100));
      expect(got.oldSmall!.at(-1)).toBe(7);
    });
    expect(pusher.getMetrics().snapshotRequests).toBe(pulls + 1);
    expect(pusher.getMetrics().pushed).toBe(1);
    expect(old.getMetrics().snapshotRequests).toBe(oldPulls + 1);
    expect(s.handler.getMetrics().inlinePushed).toBe(1);
    for (const h of handles) h.stop();
  });

  it('with push: false on the server sends plain invalidations only, and clients still converge', async () => {
    const s = await stack({ push: false });
    const topic = s.source.topic<Board>('b');
    await topic.set(board(2));
    const c = s.client();
    let last: Board | undefined;
    const h = c.sync<Board>('b', {
      applier: {
        apply: (e) => {
          last = e.data;
        },
      },
    });
    await h.start();
    await topic.update((b) => ({ ...b, title: 'x' }));
    await eventually(() => expect(last?.title).toBe('x'));
    expect(s.handler.getMetrics()).toMatchObject({ deltasPushed: 0, inlinePushed: 0 });
    // The pull still asks for the delta from its revision (a cacheable URL), not the state.
    expect(s.handler.getMetrics()).toMatchObject({ deltasServed: 1, snapshotsServed: 1 });
    h.stop();
  });

  it('reports a pushed delta that does not apply as delta_rejected and pulls instead', async () => {
    const s = await stack();
    const topic = s.source.topic<Board>('b');
    const { revision, epoch } = await topic.set(board(2));
    const errors: StateSyncHttpError[] = [];
    const c = s.client({ onError: (e) => errors.push(e) });
    let last: Board | undefined;
    const h = c.sync<Board>('b', {
      applier: {
        apply: (e) => {
          last = e.data;
        },
      },
    });
    await h.start();
    // A delta exactly on the client's base whose op cannot apply (no such path).
    const bad = {
      type: 'invalidate',
      topic: 'b',
      revision: String(Number(revision) + 1),
      epoch,
      delta: { baseRevision: revision, ops: [{ op: 'remove', path: '/nothing/here' }] },
    };
    for (const stream of s.handler.streams()) stream.sendRaw(`data: ${JSON.stringify(bad)}\n\n`);
    await eventually(() => expect(errors.map((e) => e.code)).toContain('delta_rejected'));
    expect(c.getMetrics().deltaFallbacks).toBeGreaterThan(0);
    expect(last?.title).toBe('board'); // nothing applied from the bad delta
    await topic.update((b) => ({ ...b, title: 'real' }));
    await eventually(() => expect(last?.title).toBe('real'));
    h.stop();
  });
});

describe('resume after a drop', () => {
  it('a client offline during 3 small changes of a 100 KB state receives one delta (≤ 2 KB) when back', async () => {
    const s = await stack();
    const topic = s.source.topic<Board>('b');
    await topic.set(board(100));
    const counting = countingFetch();
    const c = s.client({ fetch: counting.fetch });
    let last: Board | undefined;
    const statuses: SyncStatus[] = [];
    const h = c.sync<Board>('b', {
      applier: {
        apply: (e) => {
          last = e.data;
        },
      },
    });
    h.onStatus((status) => statuses.push(status));
    await h.start();
    expect(JSON.stringify(last).length).toBeGreaterThan(100_000);
    counting.reset();
    await s.restart({
      whileDown: async () => {
        for (const title of ['one', 'two', 'three']) await topic.update((b) => ({ ...b, title }));
      },
    });
    await eventually(() => expect(last?.title).toBe('three'));
    await eventually(() => expect(h.getStatus()).toBe('synced'));
    expect(statuses).toContain('offline');
    expect(counting.bytes()).toBeLessThanOrEqual(2048);
    expect(s.handler.getMetrics()).toMatchObject({
      resumed: 1,
      resumedWithDelta: 1,
      snapshotsServed: 0,
    });
    expect(c.getMetrics()).toMatchObject({ deltas: 1, notModified: 1 });
    h.stop();
  });

  it('pulls the full snapshot when the delta log no longer reaches back', async () => {
    const s = await stack({}, createMemoryStore({ deltaLog: { maxEntries: 2 } }));
    const topic = s.source.topic<Board>('b');
    await topic.set(board(100));
    const counting = countingFetch();
    const c = s.client({ fetch: counting.fetch });
    let last: Board | undefined;
    const h = c.sync<Board>('b', {
      applier: {
        apply: (e) => {
          last = e.data;
        },
      },
    });
    await h.start();
    counting.reset();
    await s.restart({
      whileDown: async () => {
        for (const title of ['one', 'two', 'three']) await topic.update((b) => ({ ...b, title }));
      },
    });
    await eventually(() => expect(last?.title).toBe('three'));
    expect(counting.bytes()).toBeGreaterThan(100_000);
    // The delta URL it asked for redirected to the snapshot of the current revision.
    expect(s.handler.getMetrics()).toMatchObject({
      resumedWithDelta: 0,
      redirects: 1,
      snapshotsServed: 1,
    });
    h.stop();
  });

  it('resumes every topic of a multi-topic stream from its Last-Event-ID form', async () => {
    const s = await stack();
    const a = s.source.topic<Board>('a');
    const b = s.source.topic<Board>('b/2');
    await a.set(board(2));
    await b.set(board(2));
    const c = s.client();
    const titles: Record<string, string> = {};
    const handles = ['a', 'b/2'].map((t) =>
      c.sync<Board>(t, {
        applier: {
          apply: (e) => {
            titles[t] = e.data.title;
          },
        },
      }),
    );
    await Promise.all(handles.map((h) => h.start()));
    await s.restart({
      whileDown: async () => {
        await a.update((x) => ({ ...x, title: 'A' }));
        await b.update((x) => ({ ...x, title: 'B' }));
      },
    });
    await eventually(() => expect(titles).toEqual({ a: 'A', 'b/2': 'B' }));
    expect(s.handler.getMetrics()).toMatchObject({ resumedWithDelta: 2, snapshotsServed: 0 });
    for (const h of handles) h.stop();
  });

  it('ignores a malformed Last-Event-ID (counted, reported) and opens the stream anyway', async () => {
    const errors: StateSyncHttpError[] = [];
    const s = await stack({ onError: (e) => errors.push(e) });
    for (const id of ['nonsense', 'e:007', 'e:a=1&%E0%A4%A=2', `e:${'x'.repeat(9000)}`]) {
      const response = await fetch(`${s.url}/events?topic=a&features=delta`, {
        headers: { 'last-event-id': id },
      });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    expect(s.handler.getMetrics()).toMatchObject({ resumed: 4, badResumeIds: 4 });
    expect(errors.map((e) => e.code)).toEqual([
      'bad_request',
      'bad_request',
      'bad_request',
      'bad_request',
    ]);
  });
});

describe('revision-addressed delta URL', () => {
  it('serves the delta immutable, redirects a stale target to the current delta, and a log gap to the snapshot', async () => {
    const s = await stack({}, createMemoryStore({ deltaLog: { maxEntries: 3 } }));
    const topic = s.source.topic<Board>('b');
    const first = await topic.set(board(10));
    const e = encodeURIComponent(first.epoch!);
    await topic.update((b) => ({ ...b, title: 'two' }));
    const second = await topic.update((b) => ({ ...b, title: 'three' }));
    const ok = await fetch(`${s.url}/state/b?e=${e}&r=${second.revision}&since=${first.revision}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = (await ok.json()) as { delta: { baseRevision: string; ops: unknown[] } };
    expect(body).toMatchObject({ type: 'snapshot', topic: 'b', revision: second.revision });
    expect(body.delta.baseRevision).toBe(first.revision);
    const third = await topic.update((b) => ({ ...b, title: 'four' }));
    const stale = await fetch(
      `${s.url}/state/b?e=${e}&r=${second.revision}&since=${first.revision}`,
      { redirect: 'manual' },
    );
    expect(stale.status).toBe(307);
    expect(stale.headers.get('location')).toBe(
      `./b?e=${e}&r=${third.revision}&since=${first.revision}`,
    );
    await topic.update((b) => ({ ...b, title: 'five' })); // the log (3 entries) no longer has first → second
    const gap = await fetch(`${s.url}/state/b?e=${e}&r=${third.revision}&since=${first.revision}`, {
      redirect: 'manual',
    });
    expect(gap.status).toBe(307);
    expect(gap.headers.get('location')).toMatch(/^\.\/b\?e=[^&]+&r=\d+$/);
    const bad = await fetch(`${s.url}/state/b?e=${e}&r=${third.revision}&since=01`);
    expect(bad.status).toBe(400);
  });

  it("keeps a private topic's delta out of shared caches", async () => {
    const s = await stack({ authenticate: (request) => request.headers.get('authorization') });
    const topic = s.source.topic<Board>('b');
    const first = await topic.set(board(10));
    const next = await topic.update((b) => ({ ...b, title: 'two' }));
    const response = await fetch(
      `${s.url}/state/b?e=${encodeURIComponent(first.epoch!)}&r=${next.revision}&since=${first.revision}`,
      { headers: { authorization: 'alice' } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    expect(response.headers.get('vary')).toContain('Authorization');
  });
});
