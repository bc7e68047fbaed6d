import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertRevision,
  compareRevisions,
  isRevision,
  MAX_REVISION,
  nextRevision,
  StateSyncError,
} from '../src/index';

const U64_MAX = 18446744073709551615n;

describe('revision validation', () => {
  it.each(['0', '1', '42', '9007199254740993', '18446744073709551614', MAX_REVISION])(
    'accepts the canonical u64 %j',
    (value) => {
      expect(isRevision(value)).toBe(true);
      expect(() => assertRevision(value)).not.toThrow();
    },
  );

  it.each([
    ['the u64 maximum + 1 (20 digits)', '18446744073709551616', 'revision_overflow'],
    ['the largest 20-digit number', '99999999999999999999', 'revision_overflow'],
    ['a 21-digit number', '100000000000000000000', 'revision_overflow'],
    ['leading zeros', '007', 'invalid_revision'],
    ['a lone double zero', '00', 'invalid_revision'],
    ['a plus sign', '+1', 'invalid_revision'],
    ['a leading space', ' 1', 'invalid_revision'],
    ['a trailing space', '1 ', 'invalid_revision'],
    ['an exponent', '1e3', 'invalid_revision'],
    ['a minus sign', '-1', 'invalid_revision'],
    ['a decimal point', '1.0', 'invalid_revision'],
    ['hex', '0x1', 'invalid_revision'],
    ['full-width digits', '１', 'invalid_revision'],
    ['an empty string', '', 'invalid_revision'],
  ])('rejects %s', (_label, value, code) => {
    expect(isRevision(value)).toBe(false);
    expect(() => assertRevision(value)).toThrowError(expect.objectContaining({ code }));
  });

  it.each([
    ['a number', 1],
    ['a bigint', 1n],
    ['null', null],
    ['undefined', undefined],
    ['an object', { revision: '1' }],
    ['an array', ['1']],
  ])('rejects %s (not a string)', (_label, value) => {
    expect(isRevision(value)).toBe(false);
    expect(() => assertRevision(value)).toThrowError(
      expect.objectContaining({ code: 'invalid_revision' }),
    );
  });

  it('names the bad value in the message, the problem in the code', () => {
    const invalid = expect.objectContaining({ code: 'invalid_revision' });
    expect(() => assertRevision('007', 'snapshot revision')).toThrow(invalid);
    expect(() => assertRevision('007', 'snapshot revision')).toThrow('snapshot revision "007"');
    expect(() => assertRevision(42)).toThrow(invalid);
    expect(() => assertRevision(42)).toThrow('revision 42');
    expect(() => assertRevision('18446744073709551616')).toThrow(
      expect.objectContaining({ code: 'revision_overflow' }),
    );
    expect(() => assertRevision('1e3')).toThrow(invalid);
    expect(() => assertRevision('1e3')).toThrow('"1e3"');
  });

  it('throws StateSyncError instances', () => {
    expect(() => assertRevision('x')).toThrow(StateSyncError);
  });
});

describe('revision order', () => {
  it('compares by length first, then lexicographically', () => {
    expect(compareRevisions('9', '10')).toBe(-1);
    expect(compareRevisions('10', '9')).toBe(1);
    expect(compareRevisions('123', '123')).toBe(0);
    expect(compareRevisions('18446744073709551614', MAX_REVISION)).toBe(-1);
  });

  it('agrees with numeric order for every pair of u64 values', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U64_MAX }),
        fc.bigInt({ min: 0n, max: U64_MAX }),
        (a, b) => {
          const expected = a < b ? -1 : a > b ? 1 : 0;
          expect(compareRevisions(a.toString(), b.toString())).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('nextRevision', () => {
  it.each([
    ['0', '1'],
    ['9', '10'],
    ['99', '100'],
    ['9007199254740991', '9007199254740992'],
    ['9999999999999999999', '10000000000000000000'],
    ['18446744073709551614', MAX_REVISION],
  ])('follows %s with %s', (revision, next) => {
    expect(nextRevision(revision)).toBe(next);
  });

  it('refuses to go past the u64 maximum', () => {
    expect(() => nextRevision(MAX_REVISION)).toThrowError(
      expect.objectContaining({
        code: 'revision_overflow',
        message: '[state-sync] next revision "18446744073709551616"',
      }),
    );
  });

  it('refuses a non-canonical revision', () => {
    expect(() => nextRevision('01')).toThrowError(
      expect.objectContaining({ code: 'invalid_revision' }),
    );
  });

  it('is exactly +1 for every u64 below the maximum', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX - 1n }), (value) => {
        expect(nextRevision(value.toString())).toBe((value + 1n).toString());
      }),
      { numRuns: 2000 },
    );
  });
});
