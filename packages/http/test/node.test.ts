// The node:http adapter and a framework mount (Hono) over real sockets on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import { createSource } from '@state-sync/core';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpSyncClient } from '../src/index';
import { createHttpSyncHandler, toNodeListener } from '../src/server';
import { listen, shut } from './harness';
import { readSse } from './sse-reader';

const open: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

async function serve(listener: Parameters<typeof listen>[0]) {
  const server = await listen(listener);
  open.push(() => shut(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('toNodeListener', () => {
  it('streams events, serves snapshots and reads request bodies', async () => {
    const source = createSource();
    const handler = createHttpSyncHandler({
      source,
      onMutate: ({ topic, op, source: s }) => s.topic(topic).set(op),
    });
    open.push(() => handler.close());
    const origin = await serve(toNodeListener(handler));
    const events = readSse(await fetch(`${origin}/events?topics=t`));
    open.push(() => events.cancel());
    await events.next((m) => m.type === 'beacon');
    const body = { text: 'é'.repeat(5000) };
    const ack = await fetch(`${origin}/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 't', op: body }),
    });
    expect(await ack.json()).toEqual({ type: 'ack', revision: '1' });
    expect(await events.next((m) => m.type === 'invalidate')).toMatchObject({
      topic: 't',
      revision: '1',
    });
    const snapshot = await fetch(`${origin}/state/t`);
    // One write with its length, not chunked: small chunked writes meet Nagle + delayed ACK.
    const text = await snapshot.text();
    expect(snapshot.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(snapshot.headers.get('transfer-encoding')).toBeNull();
    expect(JSON.parse(text)).toMatchObject({ revision: '1', data: body });
  });

  it('ends the stream and releases its listeners when the client goes away', async () => {
    const source = createSource();
    const handler = createHttpSyncHandler({ source });
    open.push(() => handler.close());
    const origin = await serve(toNodeListener(handler));
    const abort = new AbortController();
    const response = await fetch(`${origin}/events?topics=a,b`, { signal: abort.signal });
    const events = readSse(response);
    await events.next((m) => m.type === 'beacon');
    expect(handler.getMetrics().connections).toBe(1);
    abort.abort();
    await eventually(() => {
      expect(handler.getMetrics().connections).toBe(0);
      expect(handler.watchedTopics()).toEqual([]);
    });
  });
});

describe('mounted in Hono', () => {
  it('syncs a client through `app.all("/sync/*", (c) => handler(c.req.raw))`', async () => {
    const source = createSource();
    const handler = createHttpSyncHandler({ source, basePath: '/sync' });
    open.push(() => handler.close());
    const app = new Hono();
    app.all('/sync/*', (c) => handler(c.req.raw));
    // Hono's own fetch entry, served by our adapter: no extra server package needed.
    const origin = await serve(toNodeListener((request) => Promise.resolve(app.fetch(request))));
    const client = createHttpSyncClient({ url: `${origin}/sync`, browserEvents: false });
    open.push(() => client.close());
    const seen: unknown[] = [];
    const handle = client.sync<number>('counter', {
      applier: { apply: (e) => void seen.push(e.data) },
    });
    await handle.start();
    await source.topic('counter').set(41);
    await source.topic('counter').set(42);
    await eventually(() => expect(seen.at(-1)).toBe(42));
    handle.stop();
  });
});
