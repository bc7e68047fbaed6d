// The hand-written invalidate check against the zod schema it stands in for: whenever the check
// says yes, the schema accepts the same value and returns it unchanged; the frames servers really
// send take the fast path; anything else falls through to the schema and its problem text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  invalidateMessageSchema,
  isInvalidateMessage,
  parseFrame,
  serverFrameChecks,
  serverMessageSchemas,
} from '../src/index';

const revision = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), weight: 4 },
  { arbitrary: fc.constantFrom('', '007', '-1', '1.5', '18446744073709551616', 'x'), weight: 1 },
);
const text = (max: number) =>
  fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: max - 1, maxLength: max + 1 }));
const op = fc.oneof(
  fc.record(
    {
      op: fc.constantFrom('replace', 'add', 'test'),
      path: fc.constantFrom('/a', '', 'a', '/__proto__'),
      value: fc.jsonValue(),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    { op: fc.constantFrom('remove', 'nope'), path: fc.constantFrom('/a', '/b/0') },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      op: fc.constantFrom('move', 'copy'),
      from: fc.constantFrom('/a', 'bad'),
      path: fc.constant('/b'),
    },
    { noNullPrototype: true },
  ),
  fc.jsonValue(),
);
const delta = fc.oneof(
  fc.record(
    {
      baseRevision: revision,
      ops: fc.oneof(fc.array(op, { maxLength: 4 }), fc.jsonValue()),
      extra: fc.jsonValue(),
    },
    // Frames reach the check from JSON.parse or a structured clone, which never build objects
    // without a prototype; fast-check's records may, and zod would hand back a plain copy.
    { requiredKeys: [], noNullPrototype: true },
  ),
  fc.jsonValue(),
);
const ABSENT = Symbol('absent');
/** `arb`'s value, or no key at all, weighted `present` to `absent`. */
const maybe = <T>(arb: fc.Arbitrary<T>, present: number, absent: number) =>
  fc.oneof({ arbitrary: arb, weight: present }, { arbitrary: fc.constant(ABSENT), weight: absent });
/** Values near an invalidate: mostly valid fields, some wrong, some keys unknown or missing. */
const nearInvalidate = fc
  .record(
    {
      type: fc.constantFrom('invalidate', 'invalidate', 'invalidate', 'snapshot', 1),
      topic: fc.oneof(
        fc.constantFrom('t', 'board:1', '', ' ', '__proto__', 'constructor'),
        text(256),
      ),
      revision,
      epoch: fc.oneof(text(256), fc.integer()),
      sourceId: maybe(fc.oneof(text(256), fc.constant(null), fc.constant(undefined)), 1, 1),
      delta: maybe(delta, 1, 2),
      data: maybe(fc.jsonValue(), 1, 1),
      mutation: maybe(
        fc.record({ clientId: fc.string(), seq: fc.integer() }, { noNullPrototype: true }),
        1,
        4,
      ),
      extra: maybe(fc.jsonValue(), 1, 4),
    },
    { noNullPrototype: true },
  )
  .map((fields) =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ABSENT)),
  );

describe('isInvalidateMessage', () => {
  it('says yes only to values the schema accepts and returns unchanged', () => {
    let vouched = 0;
    fc.assert(
      fc.property(fc.oneof(nearInvalidate, fc.anything()), (value) => {
        if (!isInvalidateMessage(value)) return;
        vouched++;
        const parsed = invalidateMessageSchema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(value);
      }),
      { numRuns: 5000 },
    );
    // The property must have something to check: a fair share of the values took the fast path.
    // Over 150 seeds the count averaged 77 (sd 7.7, min 56): a bound of 50 failed roughly 1 seed
    // in 4,000 (normal estimate); 20 is 7 sd away and still proves the fast path was exercised.
    expect(vouched).toBeGreaterThan(20);
  });

  it('takes the fast path for the frames a server sends: plain, with inline data, with a delta', () => {
    const head = { type: 'invalidate', topic: 'board', revision: '12', epoch: 'e1' };
    const frames = [
      head,
      { ...head, sourceId: 'tab-1' },
      { ...head, data: { seq: 12, notes: ['a'] } },
      { ...head, data: null },
      { ...head, delta: { baseRevision: '11', ops: [{ op: 'replace', path: '/seq', value: 12 }] } },
    ];
    for (const frame of frames) {
      expect(isInvalidateMessage(JSON.parse(JSON.stringify(frame)))).toBe(true);
      expect(invalidateMessageSchema.safeParse(frame).success).toBe(true);
    }
  });

  it('leaves to the schema every frame it does not vouch for, so its problem is still named', () => {
    const head = { type: 'invalidate', topic: 'board', revision: '12', epoch: 'e1' };
    const refused = [
      { ...head, revision: '012' },
      { ...head, topic: '__proto__' },
      { ...head, epoch: 'e'.repeat(257) },
      { ...head, delta: { baseRevision: '12', ops: [] } },
      { ...head, delta: { baseRevision: '11', ops: [{ op: 'jump', path: '/a' }] } },
      { ...head, delta: { baseRevision: '11', ops: [] }, data: 1 },
    ];
    for (const frame of refused) {
      expect(isInvalidateMessage(frame)).toBe(false);
      const parsed = parseFrame(serverMessageSchemas, JSON.stringify(frame), serverFrameChecks);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.problem).toMatch(/^message "invalidate" rejected at /);
    }
    // Valid, but not the fast path's business: the schema parses it (and strips `extra`).
    const marked = { ...head, mutation: { clientId: 'c', seq: 1 }, extra: true };
    expect(isInvalidateMessage(marked)).toBe(false);
    const parsed = parseFrame(serverMessageSchemas, JSON.stringify(marked), serverFrameChecks);
    expect(parsed.ok && parsed.message).toStrictEqual({
      ...head,
      mutation: { clientId: 'c', seq: 1 },
    });
  });
});
