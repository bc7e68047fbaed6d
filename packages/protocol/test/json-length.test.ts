import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonLengthExceeds } from '../src/json-length';

describe('jsonLengthExceeds', () => {
  it('agrees with JSON.stringify(value).length > limit for any JSON and any limit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(200), (value, limit) => {
        expect(jsonLengthExceeds(value, limit)).toBe(JSON.stringify(value).length > limit);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts escapes, omitted members and nulls the way JSON.stringify does', () => {
    const value = {
      s: 'a"b\n\u2028',
      u: undefined,
      a: [undefined, () => 1, Number.NaN],
      d: new Date(0),
    };
    const length = JSON.stringify(value).length;
    expect(jsonLengthExceeds(value, length)).toBe(false);
    expect(jsonLengthExceeds(value, length - 1)).toBe(true);
  });

  it('stops reading once the limit is passed', () => {
    let reads = 0;
    const items = Array.from({ length: 1000 }, () => 'x'.repeat(10));
    const counted = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    expect(jsonLengthExceeds(counted, 100)).toBe(true);
    expect(reads).toBeLessThan(20);
  });
});
