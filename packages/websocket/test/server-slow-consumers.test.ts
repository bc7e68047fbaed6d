// Slow consumers are judged by a backlog that stays above maxBufferedBytes, not by one large frame:
// a reading client receives a large state with the defaults, one that stops reading is dropped.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StateSyncWebSocketError } from '../src/index';
import type { RawClient } from './raw-client';
import { eventually, serverTestKit } from './server-helpers';

const kit = serverTestKit();
const MiB = 1024 * 1024;

afterEach(() => {
  vi.useRealTimers();
});

/** Stops reading from the socket, as a frozen tab or a stalled network would. */
function stopReading(client: RawClient): void {
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

describe('slow consumers', () => {
  it('delivers an 8 MB state to a reading client with the default options', async () => {
    const s = await kit.stack();
    const state = { blob: 'x'.repeat(8 * 1000 * 1000) };
    await s.source.topic('big').set(state);
    const client = await kit.ready(s);
    client.send({ type: 'subscribe', topics: ['big'] });
    client.send({ type: 'get', id: 'g', topic: 'big' });
    const snapshot = await client.next((f) => f.id === 'g');
    expect(snapshot).toMatchObject({ type: 'snapshot', revision: '1' });
    expect((snapshot.data as typeof state).blob.length).toBe(state.blob.length);
    // Twice, and still connected: nothing judged it a slow consumer.
    client.send({ type: 'get', id: 'g2', topic: 'big' });
    await client.next((f) => f.id === 'g2');
    expect(s.server.getMetrics().slowConsumersDropped).toBe(0);
    expect(client.ws.readyState).toBe(1);
  });

  it('drops a client that stops reading once its backlog stayed above the bound for slowConsumerMs, with memory bounded', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const errors: StateSyncWebSocketError[] = [];
    const s = await kit.stack({ onError: (error) => errors.push(error) });
    await s.source.topic('big').set({ blob: 'y'.repeat(8 * 1000 * 1000) });
    const stalled = await kit.ready(s);
    const healthy = await kit.ready(s);
    healthy.send({ type: 'subscribe', topics: ['big'] });
    stopReading(stalled);
    // It asks for the large state many times and never reads: only one copy is ever queued.
    for (let i = 0; i < 20; i++) stalled.send({ type: 'get', id: `g${i}`, topic: 'big' });
    const stalledConnection = () =>
      s.server.connections().find((c) => c.bufferedAmount() > 0 || c.topics.size === 0);
    await eventually(() => expect(stalledConnection()?.bufferedAmount()).toBeGreaterThan(MiB));
    // One large frame in flight is no offence yet.
    await vi.advanceTimersByTimeAsync(29_000);
    expect(s.server.connections()).toHaveLength(2);
    expect(stalledConnection()?.bufferedAmount()).toBeLessThanOrEqual(2 * MiB + 8.1 * 1000 * 1000);
    await vi.advanceTimersByTimeAsync(1_001);
    await eventually(() => expect(s.server.getMetrics().slowConsumersDropped).toBe(1));
    await eventually(() => expect(s.server.connections()).toHaveLength(1));
    expect(errors.map((e) => e.code)).toContain('slow_consumer');
    // The other client is unaffected.
    await s.source.topic('big').set({ blob: 'z' });
    await healthy.next((f) => f.type === 'invalidate' && f.revision === '2');
  });

  it('drops at once a stalled client whose pushes pile up past another maxBufferedBytes', async () => {
    const bound = 64 * 1024;
    const s = await kit.stack({ maxBufferedBytes: bound });
    const stalled = await kit.ready(s);
    stalled.send({ type: 'subscribe', topics: ['hot'] });
    await eventually(() => expect(s.server.watchedTopics()).toEqual(['hot']));
    stopReading(stalled);
    let maxBuffered = 0;
    const topic = s.source.topic('hot');
    const sourceId = 's'.repeat(2000); // large invalidations fill the kernel buffers sooner
    for (let i = 0; i < 50_000 && s.server.connections().length > 0; i++) {
      await topic.set(i, { sourceId });
      for (const c of s.server.connections())
        maxBuffered = Math.max(maxBuffered, c.bufferedAmount());
    }
    expect(s.server.getMetrics().slowConsumersDropped).toBe(1);
    // The bound, the frame that crossed it, another bound of pushes, and the frames' headers.
    expect(maxBuffered).toBeLessThanOrEqual(2 * bound + 4096);
  });
});
