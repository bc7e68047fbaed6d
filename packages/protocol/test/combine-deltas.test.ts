import { describe, expect, it } from 'vitest';
import { applyDelta, combineDeltas, isStateSyncProtocolError } from '../src/index';

describe('combineDeltas', () => {
  const log = [
    { baseRevision: '4', revision: '5', ops: [{ op: 'replace' as const, path: '/n', value: 5 }] },
    { baseRevision: '5', revision: '6', ops: [{ op: 'add' as const, path: '/m', value: 1 }] },
    { baseRevision: '6', revision: '9', ops: [{ op: 'replace' as const, path: '/n', value: 9 }] },
  ];

  it('combines consecutive deltas into one from the first base to the last revision', () => {
    const combined = combineDeltas(log);
    expect(combined).toMatchObject({ baseRevision: '4', revision: '9' });
    expect(applyDelta({ n: 4 }, combined!.ops)).toStrictEqual({ n: 9, m: 1 });
  });

  it('refuses a log with a gap rather than paper over it', () => {
    try {
      combineDeltas([log[0]!, log[2]!]);
      expect.unreachable();
    } catch (error) {
      expect(isStateSyncProtocolError(error) && error.code).toBe('not_consecutive');
    }
  });

  it('refuses an entry that does not move forward', () => {
    expect(() => combineDeltas([{ baseRevision: '5', revision: '5', ops: [] }])).toThrowError(
      /does not follow/,
    );
  });

  it('answers nothing for an empty log, and for a combination over maxOps', () => {
    expect(combineDeltas([])).toBeUndefined();
    expect(combineDeltas(log, { maxOps: 2 })).toBeUndefined();
    expect(combineDeltas(log, { maxOps: 3 })?.ops).toHaveLength(3);
  });
});
