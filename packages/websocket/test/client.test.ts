// The client against a scripted socket, under fake timers: reconnects, heartbeat, beacons, epochs,
// requests and bad frames.
import { describe, expect, it, vi } from 'vitest';
import { createSyncClient, type StateSyncWebSocketError } from '../src/index';
import { answerGets, cleanup, listen, setup, track, useFakeClientTimers } from './client-helpers';

useFakeClientTimers();

describe('connecting', () => {
  it('opens one socket, sends auth first, then subscribes and sends pending gets after hello', async () => {
    const s = track(setup({ token: 'secret' }));
    await listen(s, 'board');
    const snapshot = s.client.provider('board').getSnapshot();
    expect(s.sockets).toHaveLength(1);
    expect(s.client.status()).toBe('connecting');
    s.last().open();
    expect(s.last().sent).toEqual([
      { type: 'auth', token: 'secret', protocol: 1, features: ['delta', 'inline', 'resume'] },
    ]);
    s.last().receive({ type: 'hello', protocol: 1, epoch: 'e1', heartbeatMs: 30_000 });
    expect(s.client.status()).toBe('open');
    expect(s.last().sent.map((m) => m.type)).toEqual(['auth', 'subscribe', 'get']);
    expect(s.last().sentOfType('subscribe')[0]).toEqual({ type: 'subscribe', topics: ['board'] });
    answerGets(s.last(), '4', { count: 4 });
    await expect(snapshot).resolves.toEqual({ revision: '4', epoch: 'e1', data: { count: 4 } });
  });

  it('sends auth without a token when none is configured', () => {
    const s = track(setup());
    s.last().open();
    expect(s.last().sent).toEqual([
      { type: 'auth', protocol: 1, features: ['delta', 'inline', 'resume'] },
    ]);
  });

  it('never sends on a socket that is not open, and never opens a second socket while connecting', async () => {
    const s = track(setup());
    await listen(s, 'a');
    await listen(s, 'b');
    const gets = [s.client.provider('a').getSnapshot(), s.client.provider('b').getSnapshot()];
    const mutation = s.client.mutateOp('a', { type: 'noop' });
    expect(s.sockets).toHaveLength(1);
    expect(s.last().sent).toEqual([]);
    s.last().accept();
    expect(s.last().sent.map((m) => m.type)).toEqual(['auth', 'subscribe', 'get', 'get', 'mutate']);
    answerGets(s.last(), '1', null);
    s.last().receive({ type: 'ack', id: s.last().sentOfType('mutate')[0]!.id });
    await Promise.all([...gets, mutation]);
  });

  it('opens one socket even when many calls arrive while an async url is still resolving', async () => {
    let resolveUrl!: (url: string) => void;
    const s = track(setup({ url: () => new Promise<string>((resolve) => (resolveUrl = resolve)) }));
    await listen(s, 'a');
    const gets = [s.client.provider('a').getSnapshot(), s.client.provider('b').getSnapshot()];
    await listen(s, 'b');
    expect(s.sockets).toHaveLength(0);
    resolveUrl('ws://test.invalid/late');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.sockets.map((socket) => socket.url)).toEqual(['ws://test.invalid/late']);
    s.last().accept();
    answerGets(s.last(), '1', null);
    await Promise.all(gets);
    expect(s.sockets).toHaveLength(1);
  });

  it('reports a missing WebSocket implementation instead of throwing', () => {
    vi.stubGlobal('WebSocket', undefined);
    const errors: StateSyncWebSocketError[] = [];
    const client = createSyncClient({
      url: 'ws://x.invalid',
      browserEvents: false,
      onError: (e) => errors.push(e),
    });
    cleanup.push(() => client.close());
    expect(errors.map((e) => e.code)).toEqual(['invalid_argument']);
    expect(client.status()).toBe('reconnecting');
  });
});

describe('reconnecting', () => {
  it('reconnects with exponential backoff capped at maxDelayMs', async () => {
    const s = track(setup());
    s.last().drop(1006);
    expect(s.client.status()).toBe('reconnecting');
    const delays = [100, 200, 400, 800, 1000, 1000];
    for (const delay of delays) {
      const count = s.sockets.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(s.sockets).toHaveLength(count);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.sockets).toHaveLength(count + 1);
      s.last().drop(1006);
    }
  });

  it('draws each delay with jitter from the given randomness', async () => {
    const s = track(setup({ random: () => 1, reconnect: { baseDelayMs: 100, jitter: 0.5 } }));
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(49);
    expect(s.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.sockets).toHaveLength(2);
  });

  it('keeps growing the backoff across connections that drop soon after hello', async () => {
    const s = track(
      setup({ reconnect: { baseDelayMs: 100, maxDelayMs: 1000, healthyAfterMs: 5000 } }),
    );
    s.last().accept();
    s.last().drop(1006);
    for (const delay of [100, 200, 400, 800, 1000]) {
      const count = s.sockets.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(s.sockets).toHaveLength(count);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.sockets).toHaveLength(count + 1);
      s.last().accept(); // accepted, then dropped well before healthyAfterMs
      await vi.advanceTimersByTimeAsync(50);
      s.last().drop(1006);
    }
  });

  it('resets the backoff once a connection stayed up for healthyAfterMs', async () => {
    const s = track(
      setup({ reconnect: { baseDelayMs: 100, maxDelayMs: 1000, healthyAfterMs: 5000 } }),
    );
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(200);
    s.last().accept();
    await vi.advanceTimersByTimeAsync(4999);
    s.last().drop(1006); // not healthy yet: the next delay is 400
    await vi.advanceTimersByTimeAsync(399);
    expect(s.sockets).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    s.last().accept();
    await vi.advanceTimersByTimeAsync(5000);
    s.last().drop(1006); // healthy: back to 100
    await vi.advanceTimersByTimeAsync(100);
    expect(s.sockets).toHaveLength(5);
  });

  it('after every reconnect re-subscribes every topic and tells each handler the link was down and is back', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    const b = await listen(s, 'b');
    s.last().accept();
    expect(a.events).toEqual([]);
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    s.last().accept();
    expect(s.last().sentOfType('subscribe')).toEqual([{ type: 'subscribe', topics: ['a', 'b'] }]);
    // Offline while the socket is down, then back: the engine pulls and is stale until applied.
    expect(a.events).toEqual([
      { topic: 'a', connected: false },
      { topic: 'a', connected: true },
    ]);
    expect(b.events).toEqual([
      { topic: 'b', connected: false },
      { topic: 'b', connected: true },
    ]);
    expect(s.statuses).toEqual(['open', 'reconnecting', 'open']);
    expect(s.client.getMetrics().reconnects).toBe(1);
    // The dropped socket was detached (the frame listener does not check which socket is current):
    // a frame it still delivers reaches nobody.
    const dropped = s.sockets[0]!;
    expect(dropped.onmessage).toBeNull();
    dropped.receive({ type: 'invalidate', topic: 'a', revision: '9', epoch: 'e1' });
    expect(a.events).toHaveLength(2);
  });

  it('a hello with a new epoch tells each handler to resync (reason epoch)', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    s.last().accept({ epoch: 'e1' });
    s.last().drop(1012, 'restart');
    await vi.advanceTimersByTimeAsync(100);
    s.last().accept({ epoch: 'e2' });
    expect(a.events).toEqual([
      { topic: 'a', connected: false },
      { topic: 'a', connected: true },
      { topic: 'a', resync: true, reason: 'epoch' },
    ]);
    // A second hello on the same socket with another epoch (the source was replaced) too.
    s.last().receive({ type: 'hello', protocol: 1, epoch: 'e3', heartbeatMs: 30_000 });
    expect(a.events.at(-1)).toEqual({ topic: 'a', resync: true, reason: 'epoch' });
  });

  it('a get in flight when the connection drops is sent again after the reconnect', async () => {
    const s = track(setup());
    s.last().accept();
    const snapshot = s.client.provider('a').getSnapshot();
    expect(s.last().sentOfType('get')).toHaveLength(1);
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    s.last().accept();
    const [get] = s.last().sentOfType('get');
    expect(get).toMatchObject({ type: 'get', topic: 'a' });
    answerGets(s.last(), '2', 'fresh');
    await expect(snapshot).resolves.toEqual({ revision: '2', epoch: 'e1', data: 'fresh' });
  });

  it('reports a server close code as an error and keeps reconnecting', async () => {
    const s = track(setup());
    s.last().drop(4401, 'bad token');
    expect(s.errors.map((e) => [e.code, e.closeCode])).toEqual([['unauthorized', 4401]]);
    await vi.advanceTimersByTimeAsync(100);
    expect(s.sockets).toHaveLength(2);
  });
});

describe('heartbeat', () => {
  it('treats 2 × heartbeatMs of silence as a dead connection and reconnects', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    s.last().accept({ heartbeatMs: 1000 });
    const first = s.last();
    await vi.advanceTimersByTimeAsync(1999);
    expect(first.closeCalls).toEqual([]);
    first.receive({ type: 'beacon', revisions: {}, epoch: 'e1' }); // any frame proves life
    await vi.advanceTimersByTimeAsync(1999);
    expect(first.closeCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.closeCalls).toEqual([[4000, 'heartbeat timeout']]);
    expect(s.errors.map((e) => e.code)).toEqual(['heartbeat_timeout']);
    expect(s.client.status()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    expect(s.sockets).toHaveLength(2);
    s.last().accept({ heartbeatMs: 1000 });
    expect(a.events).toEqual([
      { topic: 'a', connected: false },
      { topic: 'a', connected: true },
    ]);
  });

  it('keeps a socket that speaks more often than its window, however long, and drops it 2 × heartbeatMs after its last frame', async () => {
    const s = track(setup());
    s.last().accept({ heartbeatMs: 1000 });
    const socket = s.last();
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(700);
      socket.receive({ type: 'beacon', revisions: {}, epoch: 'e1' });
    }
    expect(socket.closeCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(socket.closeCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closeCalls).toEqual([[4000, 'heartbeat timeout']]);
  });

  it('caps a huge heartbeatMs instead of overflowing the timer', async () => {
    const s = track(setup());
    s.last().accept({ heartbeatMs: 1e12 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.last().closeCalls).toEqual([]);
    expect(s.client.status()).toBe('open');
  });

  it('re-subscribes many topics in messages of at most 500', async () => {
    const s = track(setup());
    for (let i = 0; i < 1200; i++) await listen(s, `t${i}`);
    s.last().accept();
    expect(
      s
        .last()
        .sentOfType('subscribe')
        .map((m) => (m.topics as string[]).length),
    ).toEqual([500, 500, 200]);
  });

  it('gives up on a socket that gets no hello within connectTimeoutMs', async () => {
    const s = track(setup({ connectTimeoutMs: 500 }));
    s.last().open();
    await vi.advanceTimersByTimeAsync(500);
    expect(s.errors.map((e) => e.code)).toEqual(['timeout']);
    expect(s.client.status()).toBe('reconnecting');
  });
});

describe('beacon', () => {
  it('forwards each subscribed topic of a beacon as an invalidation (reason beacon)', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    s.last().accept();
    s.last().receive({ type: 'beacon', revisions: { a: '7', other: '9' }, epoch: 'e1' });
    expect(a.events).toEqual([{ topic: 'a', revision: '7', epoch: 'e1', reason: 'beacon' }]);
  });

  it('with the engine: a beacon without drift costs nothing, a beacon with drift pulls', async () => {
    const s = track(setup());
    const applied: unknown[] = [];
    const sync = s.client.sync<{ n: number }>('a', {
      applier: (envelope) => void applied.push(envelope.data),
    });
    cleanup.push(async () => sync.stop());
    s.last().accept();
    await vi.advanceTimersByTimeAsync(0);
    const answered = answerGets(s.last(), '3', { n: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([{ n: 3 }]);
    s.last().receive({ type: 'beacon', revisions: { a: '3' }, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.last().sentOfType('get')).toHaveLength(1);
    s.last().receive({ type: 'beacon', revisions: { a: '5' }, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.last().sentOfType('get')).toHaveLength(2);
    answerGets(s.last(), '5', { n: 5 }, 'e1', answered);
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([{ n: 3 }, { n: 5 }]);
    expect(sync.getLocalRevision()).toBe('5');
  });
});

describe('frames', () => {
  it('forwards an invalidate to the handlers of its topic only', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    const b = await listen(s, 'b');
    s.last().accept();
    s.last().receive({
      type: 'invalidate',
      topic: 'a',
      revision: '2',
      epoch: 'e1',
      sourceId: 'tab-1',
      extra: true,
    });
    // The frame itself (no copy per frame), validated: fields the wire does not define are gone.
    expect(a.events).toEqual([
      { type: 'invalidate', topic: 'a', revision: '2', epoch: 'e1', sourceId: 'tab-1' },
    ]);
    expect(b.events).toEqual([]);
  });

  it('a topic left and joined again hears its next frames (its route goes with its last handler, a new one comes with the next)', async () => {
    const s = track(setup());
    const first = await listen(s, 'a');
    s.last().accept();
    const frame = (revision: string) => ({ type: 'invalidate', topic: 'a', revision, epoch: 'e1' });
    s.last().receive(frame('2'));
    first.off(); // the topic's last handler: its route goes
    s.last().receive(frame('3')); // nobody listens
    const again = await listen(s, 'a');
    const other = await listen(s, 'b');
    s.last().receive(frame('4'));
    s.last().receive({ type: 'invalidate', topic: 'b', revision: '5', epoch: 'e1' });
    s.last().receive(frame('6'));
    expect(first.events).toMatchObject([{ revision: '2' }]);
    expect(again.events).toMatchObject([{ revision: '4' }, { revision: '6' }]);
    expect(other.events).toMatchObject([{ revision: '5' }]);
  });

  it('two engines of one topic both hear it; once one leaves, only the other does, and none after both left', async () => {
    const s = track(setup());
    s.last().accept();
    const a = await listen(s, 'a');
    const b = await listen(s, 'a');
    const frame = (revision: string) => ({ type: 'invalidate', topic: 'a', revision, epoch: 'e1' });
    s.last().receive(frame('2'));
    a.off();
    s.last().receive(frame('3'));
    const c = await listen(s, 'a');
    s.last().receive(frame('4'));
    b.off();
    c.off();
    s.last().receive(frame('5'));
    expect(a.events).toMatchObject([{ revision: '2' }]);
    expect(b.events).toMatchObject([{ revision: '2' }, { revision: '3' }, { revision: '4' }]);
    expect(c.events).toMatchObject([{ revision: '4' }]);
  });

  it('a synced topic keeps its route after its handlers left (the providers hold its slot): nothing reaches a handler that left', async () => {
    const s = track(setup());
    const seen: unknown[] = [];
    const handle = s.client.sync<{ n: number }>('a', { applier: ({ data }) => seen.push(data) });
    s.last().accept();
    await vi.advanceTimersByTimeAsync(0);
    answerGets(s.last(), '1', { n: 1 });
    await handle.start();
    const push = (n: number) => {
      s.last().receive({
        type: 'invalidate',
        topic: 'a',
        revision: `${n}`,
        epoch: 'e1',
        data: { n },
      });
    };
    push(2);
    handle.stop();
    push(3);
    const other = await listen(s, 'a');
    push(4);
    other.off(); // the route stays (its slot), with no handler at all
    push(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(handle.getMetrics().events).toBe(1); // revision 2 only: nothing after stop()
    expect(other.events).toMatchObject([{ revision: '4' }]);
  });

  it('rejects garbage frames before the engine: reported as invalid_message, counted, never thrown', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    s.last().accept();
    const garbage = [
      'not json',
      '42',
      'null',
      '[]',
      '{}',
      '{"type":"nope"}',
      '{"type":"invalidate","topic":"a","revision":"007","epoch":"e1"}',
      '{"type":"invalidate","topic":"a","revision":2,"epoch":"e1"}',
      '{"type":"invalidate","topic":"","revision":"2","epoch":"e1"}',
      '{"type":"beacon","revisions":{"a":"-1"},"epoch":"e1"}',
      '{"type":"hello","protocol":2,"epoch":"e1","heartbeatMs":1000}',
      '{"type":"snapshot","id":"1","topic":"a","revision":"1e3","epoch":"e1","data":{}}',
    ];
    for (const frame of garbage) expect(() => s.last().receive(frame)).not.toThrow();
    s.last().receiveData({ not: 'text' });
    expect(a.events).toEqual([]);
    expect(s.errors.map((e) => e.code)).toEqual(
      [...garbage, 'binary'].map(() => 'invalid_message'),
    );
    expect(s.client.getMetrics().invalidFrames).toBe(garbage.length + 1);
    expect(s.client.status()).toBe('open');
  });

  it('a throwing onError or handler never breaks the socket loop', async () => {
    const s = track(
      setup({
        onError: () => {
          throw new Error('boom');
        },
      }),
    );
    await s.client.subscriber('a').subscribe(() => {
      throw new Error('handler boom');
    });
    const seen: unknown[] = [];
    await s.client.subscriber('a').subscribe((event) => seen.push(event));
    s.last().accept();
    s.last().receive('garbage');
    s.last().receive({ type: 'invalidate', topic: 'a', revision: '1', epoch: 'e1' });
    expect(seen).toHaveLength(1);
  });
});

describe('requests', () => {
  it('a forbidden error reaches the engine as a failed fetch and the client onError', async () => {
    const s = track(setup());
    const engineErrors: unknown[] = [];
    const sync = s.client.sync('secret', {
      applier: () => {},
      onError: (context) => engineErrors.push(context),
    });
    cleanup.push(async () => sync.stop());
    s.last().accept();
    await vi.advanceTimersByTimeAsync(0);
    const [get] = s.last().sentOfType('get');
    s.last().receive({
      type: 'error',
      id: get!.id,
      topic: 'secret',
      code: 'forbidden',
      message: 'no',
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.errors.map((e) => [e.code, e.topic])).toEqual([['forbidden', 'secret']]);
    expect(engineErrors).toMatchObject([
      { phase: 'getSnapshot', error: { code: 'fetch_failed', cause: { code: 'forbidden' } } },
    ]);
    expect(sync.getStatus()).toBe('error');
  });

  it('rejects a get after requestTimeoutMs, on abort, and on close', async () => {
    const s = setup({ requestTimeoutMs: 1000 });
    s.last().accept();
    const timedOut = s.client.provider('a').getSnapshot();
    const timedOutCheck = expect(timedOut).rejects.toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(1000);
    await timedOutCheck;
    // A late answer to the timed-out request is ignored.
    expect(() => answerGets(s.last(), '1', null)).not.toThrow();

    const controller = new AbortController();
    const aborted = s.client.provider('a').getSnapshot({ signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    await expect(
      s.client.provider('a').getSnapshot({ signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'aborted' });

    const closed = s.client.provider('a').getSnapshot();
    const closing = s.client.close();
    await expect(closed).rejects.toMatchObject({ code: 'closed' });
    await closing;
    await expect(s.client.provider('a').getSnapshot()).rejects.toMatchObject({ code: 'closed' });
    await expect(s.client.subscriber('a').subscribe(() => {})).rejects.toMatchObject({
      code: 'closed',
    });
  });

  it('mutate resolves on ack with the new revision, and rejects with the server code', async () => {
    const s = track(setup());
    s.last().accept();
    const ok = s.client.mutateOp('board', { type: 'increment' }, { baseRevision: '3' });
    const [sent] = s.last().sentOfType('mutate');
    expect(sent).toEqual({
      type: 'mutate',
      id: sent!.id,
      topic: 'board',
      op: { type: 'increment' },
      baseRevision: '3',
    });
    s.last().receive({ type: 'ack', id: sent!.id, revision: '4' });
    await expect(ok).resolves.toEqual({ revision: '4' });
    const refused = s.client.mutateOp('board', { type: 'explode' });
    const second = s.last().sentOfType('mutate')[1]!;
    s.last().receive({
      type: 'error',
      id: second.id,
      topic: 'board',
      code: 'invalid_op',
      message: 'unknown op',
    });
    await expect(refused).rejects.toMatchObject({ code: 'invalid_op', topic: 'board' });
    const odd = s.client.mutateOp('board', {});
    s.last().receive({
      type: 'error',
      id: s.last().sentOfType('mutate')[2]!.id,
      code: 'teapot',
      message: '?',
    });
    await expect(odd).rejects.toMatchObject({ code: 'server_error' });
  });

  it('a mutate sent before a drop fails with disconnected instead of being sent twice', async () => {
    const s = track(setup());
    s.last().accept();
    const pending = s.client.mutateOp('board', { type: 'increment' });
    s.last().drop(1006);
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    await vi.advanceTimersByTimeAsync(100);
    s.last().accept();
    expect(s.last().sentOfType('mutate')).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('unsubscribing the last handler of a topic sends unsubscribe; listenerCount follows', async () => {
    const s = track(setup());
    s.last().accept();
    const one = await listen(s, 'a');
    const two = await listen(s, 'a');
    expect(s.client.listenerCount()).toBe(2);
    expect(s.last().sentOfType('subscribe')).toEqual([{ type: 'subscribe', topics: ['a'] }]);
    one.off();
    one.off();
    expect(s.last().sentOfType('unsubscribe')).toEqual([]);
    two.off();
    expect(s.last().sentOfType('unsubscribe')).toEqual([{ type: 'unsubscribe', topics: ['a'] }]);
    expect(s.client.listenerCount()).toBe(0);
  });

  it('the same handler subscribed twice hears each event twice, and each unsubscribe removes one, once', async () => {
    const s = track(setup());
    s.last().accept();
    const heard: unknown[] = [];
    const handler = (event: unknown) => void heard.push(event);
    const subscriber = s.client.subscriber('a');
    const first = await subscriber.subscribe(handler);
    const second = await subscriber.subscribe(handler);
    const frame = { type: 'invalidate', topic: 'a', revision: '2', epoch: 'e1' };
    s.last().receive(frame);
    expect(heard).toHaveLength(2);
    first();
    first();
    expect(s.client.listenerCount()).toBe(1);
    s.last().receive({ ...frame, revision: '3' });
    expect(heard).toHaveLength(3);
    expect(s.last().sentOfType('unsubscribe')).toEqual([]);
    second();
    expect(s.client.listenerCount()).toBe(0);
    expect(s.last().sentOfType('unsubscribe')).toEqual([{ type: 'unsubscribe', topics: ['a'] }]);
  });

  it('close() closes the socket with 1000, stops reconnecting and leaves no timer behind', async () => {
    const s = setup();
    s.last().accept({ heartbeatMs: 1000 });
    await s.client.close();
    expect(s.last().closeCalls).toEqual([[1000, 'client closed']]);
    expect(s.client.status()).toBe('closed');
    expect(s.statuses).toEqual(['open', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.sockets).toHaveLength(1);
    await s.client.close();
  });

  it('close() while reconnecting cancels the pending attempt', async () => {
    const s = setup();
    s.last().drop(1006);
    await s.client.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.sockets).toHaveLength(1);
  });
});

describe('browser events', () => {
  function stubBrowser() {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    return { win, doc };
  }

  it('online skips the backoff and reconnects at once', async () => {
    const { win } = stubBrowser();
    const s = track(setup({ browserEvents: true, reconnect: { baseDelayMs: 60_000 } }));
    s.last().drop(1006);
    win.dispatchEvent(new Event('online'));
    expect(s.sockets).toHaveLength(2);
  });

  it('visibilitychange to visible pulls every topic, or reconnects when the socket went silent', async () => {
    const { doc } = stubBrowser();
    const s = track(setup({ browserEvents: true }));
    const a = await listen(s, 'a');
    s.last().accept({ heartbeatMs: 1000 });
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(a.events).toEqual([{ topic: 'a', resync: true, reason: 'gap' }]);
    // Hidden tabs throttle timers: the dead timer may not have fired although the socket is silent.
    vi.setSystemTime(Date.now() + 5000);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(s.last().closeCalls).toEqual([[4000, 'silent while hidden']]);
  });

  it('removes its window and document listeners on close', async () => {
    const { win, doc } = stubBrowser();
    const added = vi.spyOn(win, 'addEventListener');
    const removed = vi.spyOn(win, 'removeEventListener');
    const docRemoved = vi.spyOn(doc, 'removeEventListener');
    const s = setup({ browserEvents: true });
    await s.client.close();
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).toHaveBeenCalledTimes(1);
    expect(docRemoved).toHaveBeenCalledTimes(1);
  });
});
