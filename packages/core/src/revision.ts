// Revisions are canonical decimal u64 strings (DESIGN.md invariant 1). They are compared as strings
// by (length, lexicographic) so no BigInt is needed and nothing loses precision past 2^53.
import { describeValue, StateSyncError } from './errors';

export type Revision = string;

export const ZERO_REVISION: Revision = '0';
export const MAX_REVISION: Revision = '18446744073709551615';

// Checked by char codes, not a regex: this runs on every invalidation and snapshot, and the loop
// is about twice as fast (bench/engine).
export function isRevision(value: unknown): value is Revision {
  if (typeof value !== 'string') return false;
  const length = value.length;
  // "0" alone, never a leading zero
  if (!length || length > 20 || (length > 1 && value.charCodeAt(0) === 48)) return false;
  // A digit's code minus 48 is 0..9; anything else is negative (huge, unsigned) or above 9.
  for (let i = 0; i < length; i++) if ((value.charCodeAt(i) - 48) >>> 0 > 9) return false;
  return length < 20 || value <= MAX_REVISION;
}

/** The error for a value that is not a revision: `revision_overflow` when it is a canonical
 * decimal past u64, `invalid_revision` otherwise; the message names the value, the code says why. */
const revisionError = (what: string, value: unknown) =>
  new StateSyncError(
    typeof value === 'string' && /^[1-9]\d*$/.test(value)
      ? 'revision_overflow'
      : 'invalid_revision',
    `${what} ${describeValue(value)}`,
  );

/** Throws a `StateSyncError` naming the bad value unless `value` is a canonical revision. */
export function assertRevision(value: unknown, what = 'revision'): asserts value is Revision {
  if (!isRevision(value)) throw revisionError(what, value);
}

/** -1, 0 or 1. Both arguments must be canonical revisions. */
export function compareRevisions(a: Revision, b: Revision): -1 | 0 | 1 {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** The revision after `revision`; throws `revision_overflow` at the u64 maximum. */
export function nextRevision(revision: Revision): Revision {
  assertRevision(revision);
  const next = (BigInt(revision) + 1n).toString();
  assertRevision(next, 'next revision'); // past u64 after the maximum: revision_overflow
  return next;
}
