// Protocol validation: garbage invalidations and snapshots never throw, are reported as protocol
// errors and change nothing, whether injected at the engine or sent through the transport's wire.
import { expect } from 'vitest';
import { defineGroup, type N, scenario } from './common';

const GARBAGE: Array<[string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['a boolean', true],
  ['a string', 'invalidate'],
  ['an array', [{ topic: 'garbage', revision: '9' }]],
  ['an empty object', {}],
  ['no topic', { revision: '9' }],
  ['an empty topic', { topic: '', revision: '9' }],
  ['a blank topic', { topic: '   ', revision: '9' }],
  ['a numeric topic', { topic: 7, revision: '9' }],
  ['an object topic', { topic: { toString: () => 'garbage' }, revision: '9' }],
  ['no revision', { topic: 'garbage' }],
  ['a numeric revision', { topic: 'garbage', revision: 9 }],
  ['a bigint-like number revision', { topic: 'garbage', revision: 1e21 }],
  ['an empty revision', { topic: 'garbage', revision: '' }],
  ['leading zeros', { topic: 'garbage', revision: '007' }],
  ['a plus sign', { topic: 'garbage', revision: '+1' }],
  ['a leading space', { topic: 'garbage', revision: ' 1' }],
  ['a trailing newline', { topic: 'garbage', revision: '1\n' }],
  ['an exponent', { topic: 'garbage', revision: '1e3' }],
  ['a negative revision', { topic: 'garbage', revision: '-1' }],
  ['a fraction', { topic: 'garbage', revision: '1.5' }],
  ['hex', { topic: 'garbage', revision: '0x10' }],
  ['u64 max + 1', { topic: 'garbage', revision: '18446744073709551616' }],
  ['21 digits', { topic: 'garbage', revision: '100000000000000000000' }],
  ['a numeric epoch', { topic: 'garbage', revision: '9', epoch: 5 }],
  ['an object sourceId', { topic: 'garbage', revision: '9', sourceId: {} }],
  ['an unknown reason', { topic: 'garbage', revision: '9', reason: 'because' }],
  ['a __proto__ key', JSON.parse('{"__proto__":{"polluted":true},"revision":"9"}')],
];

const BAD_SNAPSHOTS = [
  null,
  'snapshot',
  [],
  { revision: '007', data: {} },
  { revision: '9' },
  { revision: '9', epoch: 1, data: {} },
  { data: {} },
];

export const protocolScenarios = [
  scenario(
    'protocol/garbage-invalidations',
    'garbage invalidations of every shape never throw, are reported as protocol errors and change nothing',
    'this one exercises the engine behind your subscriber; if it fails, your subscriber changed the handler it was given (wrap it without swallowing, rethrowing or reshaping payloads)',
    async (f) => {
      await f.harness.source.topic<N>('garbage').set({ n: 1 });
      const client = await f.sync<N>('garbage');
      await client.handle.start();
      const fetches = client.link.fetchCount();
      for (const [label, payload] of GARBAGE) {
        expect(() => client.link.inject(payload), label).not.toThrow();
      }
      expect(client.errors.map((e) => e.phase)).toEqual(GARBAGE.map(() => 'protocol'));
      expect(client.errors.map((e) => (e.error as { code?: string }).code)).toEqual(
        GARBAGE.map(() => 'invalid_event'),
      );
      expect(client.errors.map((e) => e.sourceEvent)).toEqual(GARBAGE.map(([, p]) => p));
      expect(client.handle.getMetrics().protocolErrors).toBe(GARBAGE.length);
      expect(client.link.fetchCount(), 'fetches caused by garbage').toBe(fetches);
      expect(client.data()).toEqual({ n: 1 });
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
      await f.harness.source.topic<N>('garbage').set({ n: 2 });
      await f.eventually(() => expect(client.data(), 'data after garbage').toEqual({ n: 2 }));
    },
  ),
  scenario(
    'protocol/garbage-snapshots',
    'garbage snapshots are reported as protocol errors and never applied',
    'this one exercises the engine behind your provider; if it fails, your provider reshaped the envelope or kept serving a bad one',
    async (f) => {
      await f.harness.source.topic<N>('garbage-snapshot').set({ n: 1 });
      const client = await f.sync<N>('garbage-snapshot');
      await client.handle.start();
      client.link.replaceNextSnapshots(...BAD_SNAPSHOTS);
      for (const _ of BAD_SNAPSHOTS) {
        await expect(client.handle.refresh()).rejects.toMatchObject({ code: 'invalid_snapshot' });
      }
      expect(client.errors.map((e) => e.phase)).toEqual(BAD_SNAPSHOTS.map(() => 'protocol'));
      expect(
        client.applied.map((e) => e.data),
        'data applied',
      ).toEqual([{ n: 1 }]);
      expect(client.handle.getStatus()).toBe('error');
      await client.handle.refresh();
      expect(client.handle.getStatus(), 'status after a good snapshot').toBe('synced');
    },
  ),
  scenario(
    'protocol/garbage-through-wire',
    'garbage sent through the transport itself never throws and never changes state',
    'parse and validate every frame from the wire (zod safeParse); report what you cannot parse through your own onError and keep the connection working',
    async (f) => {
      const topic = f.harness.source.topic<N>('garbage');
      await topic.set({ n: 1 });
      const client = await f.sync<N>('garbage');
      await client.handle.start();
      for (const [, payload] of GARBAGE) await f.harness.sendRaw!('garbage', payload);
      await topic.set({ n: 2 });
      await f.eventually(() => expect(client.data(), 'data after garbage').toEqual({ n: 2 }));
      expect(
        client.applied.map((e) => e.data),
        'data applied',
      ).toEqual([{ n: 1 }, { n: 2 }]);
      expect(client.errors.every((e) => e.phase === 'protocol')).toBe(true);
    },
    { requires: ['sendRaw'] },
  ),
];

export const describeProtocolValidation = defineGroup({
  title: 'protocol validation',
  scenarios: protocolScenarios,
});
