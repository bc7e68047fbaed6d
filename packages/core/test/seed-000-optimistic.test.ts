// Seed 000 ("32-STATE-SYNCHRONIZATION"): the user changes the alert threshold; the browser shows it
// at once, the bridge refuses it, the browser rolls back and shows the bridge's message. Wired to
// the real engine over an in-memory fake transport, as a network transport wires it.
import { describe, expect, it } from 'vitest';
import {
  createMemoryStore,
  createMutationHandler,
  createOptimisticQueue,
  createRevisionSync,
  createSource,
  type MutationRequest,
  type SnapshotEnvelope,
} from '../src/index';
import { type AlertSettings, alertMutators } from './write-fixtures';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function bridgeAndBrowser() {
  const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
  await source.topic<AlertSettings>('alerts').set({ warningPercent: 80 });
  const mutators = { alerts: alertMutators };
  const bridge = createMutationHandler({ source, mutators });

  const shown: AlertSettings[] = [];
  const wire = <T>(value: T): T => structuredClone(value);
  const queue = createOptimisticQueue({
    mutators,
    // The fake transport: a `mutate` frame to the bridge, its `ack` or `error` frame back.
    send: async (request: MutationRequest) => {
      await flush();
      return wire(await bridge.apply(wire(request)));
    },
  });
  const sync = createRevisionSync<AlertSettings>({
    topic: 'alerts',
    subscriber: {
      async subscribe(handler) {
        return source.topic('alerts').subscribe((event) => {
          queueMicrotask(() => {
            queue.observe(event);
            handler(wire(event));
          });
        });
      },
    },
    provider: {
      async getSnapshot() {
        const snapshot = wire(await bridge.snapshot<AlertSettings>('alerts', queue.clientId));
        if (snapshot.lastAppliedSeq !== undefined)
          queue.confirm('alerts', snapshot.lastAppliedSeq, snapshot.revision, snapshot.epoch);
        return snapshot as SnapshotEnvelope<AlertSettings>;
      },
    },
    applier: queue.applier('alerts', { apply: ({ data }) => void shown.push(data) }),
  });
  await sync.start();
  return { source, queue, sync, shown };
}

describe('seed 000: optimistic alert threshold with rollback', () => {
  it('shows the new threshold at once, rolls back when the bridge refuses, and gives the app its message', async () => {
    const { queue, sync, shown } = await bridgeAndBrowser();
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 80 });

    const result = queue.mutate('alerts', 'configure', { warningPercent: 5 });
    // 1. optimistically updated, before anything reached the bridge
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 5 });
    expect(queue.pending('alerts')).toHaveLength(1);

    // 2–3. the bridge refuses; the app gets the bridge's own code and message
    await expect(result).rejects.toMatchObject({
      code: 'threshold_too_low',
      message: 'a warning at 5% would fire on every request: use 10% or more',
    });
    // …and the view is rolled back to the bridge's state
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 80 });
    expect(queue.pending()).toStrictEqual([]);
    await sync.stop();
  });

  it('keeps an accepted threshold on screen from the click to the confirmed state, never flickering back', async () => {
    const { queue, sync, shown, source } = await bridgeAndBrowser();
    const before = shown.length;
    await queue.mutate('alerts', 'configure', { warningPercent: 50 });
    await sync.refresh();
    expect(
      shown
        .slice(before)
        .map((s) => s.warningPercent)
        .every((p) => p === 50),
    ).toBe(true);
    expect(shown.at(-1)).toStrictEqual({ warningPercent: 50 });
    expect((await source.topic('alerts').get()).data).toStrictEqual({ warningPercent: 50 });
    expect(queue.pending()).toStrictEqual([]);
    await sync.stop();
  });
});
