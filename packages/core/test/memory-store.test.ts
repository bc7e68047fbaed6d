import { describe, expect, it } from 'vitest';
import { createMemoryStore, resolveDeltaLogOptions, utf8Length } from '../src/index';

const op = (value: unknown) => [{ op: 'replace', path: '/n', value }];

describe('createMemoryStore delta log', () => {
  it('records the delta of each write and reads back the ones after a revision', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    await store.write('t', { n: 1 }, undefined, { delta: op(1) });
    await store.write('t', { n: 2 }, '1', { delta: op(2) });
    await store.write('t', { n: 3 }, '2', { delta: op(3) });
    expect(await store.readSince('t', 'E', '1')).toStrictEqual([
      { revision: '2', ops: op(2) },
      { revision: '3', ops: op(3) },
    ]);
    expect(await store.readSince('t', 'E', '0')).toHaveLength(3);
    expect(await store.readSince('t', 'E', '3')).toStrictEqual([]);
  });

  it('answers undefined for another epoch, a revision ahead, or a log that does not reach back', async () => {
    const store = createMemoryStore({ epoch: 'E', deltaLog: { maxEntries: 2 } });
    for (let n = 1; n <= 4; n++)
      await store.write('t', n, n === 1 ? undefined : String(n - 1), { delta: op(n) });
    expect(await store.readSince('t', 'other', '3')).toBeUndefined();
    expect(await store.readSince('t', 'E', '9')).toBeUndefined();
    expect(await store.readSince('t', 'E', '1')).toBeUndefined();
    expect((await store.readSince('t', 'E', '2'))?.map((e) => e.revision)).toStrictEqual([
      '3',
      '4',
    ]);
    expect(store.getMetrics().deltasEvicted).toBe(2);
  });

  it('treats a write without a delta as a gap nobody can resume across', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    await store.write('t', 1, undefined, { delta: op(1) });
    await store.write('t', 2, '1');
    await store.write('t', 3, '2', { delta: op(3) });
    expect(await store.readSince('t', 'E', '0')).toBeUndefined();
    expect(await store.readSince('t', 'E', '1')).toBeUndefined();
    expect(await store.readSince('t', 'E', '2')).toStrictEqual([{ revision: '3', ops: op(3) }]);
  });

  it('keeps the log under its byte bound, dropping a delta larger than the whole budget', async () => {
    const big = op('x'.repeat(100));
    const bytes = utf8Length(JSON.stringify(big));
    const store = createMemoryStore({ epoch: 'E', deltaLog: { maxBytes: bytes * 2 } });
    for (let n = 1; n <= 10; n++)
      await store.write('t', n, n === 1 ? undefined : String(n - 1), { delta: big });
    expect((await store.readSince('t', 'E', '8'))?.length).toBe(2);
    expect(await store.readSince('t', 'E', '7')).toBeUndefined();
    await store.write('t', 11, '10', { delta: op('y'.repeat(bytes * 3)) });
    expect(await store.readSince('t', 'E', '10')).toBeUndefined();
    expect(await store.readSince('t', 'E', '11')).toStrictEqual([]);
  });

  it('gives readers their own copy of the ops and ignores later changes to the written array', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    const ops = op(1);
    await store.write('t', 1, undefined, { delta: ops });
    ops.push({ op: 'remove', path: '/x', value: 0 });
    const [first] = (await store.readSince('t', 'E', '0')) ?? [];
    (first?.ops as unknown[]).length = 0;
    expect(await store.readSince('t', 'E', '0')).toStrictEqual([{ revision: '1', ops: op(1) }]);
  });

  it('rejects a delta that is not an array and a bad revision, changing nothing', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    await expect(store.write('t', 1, undefined, { delta: 'nope' as never })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(await store.read('t')).toBeUndefined();
    await expect(store.readSince('t', 'E', '01')).rejects.toMatchObject({
      code: 'invalid_revision',
    });
    expect(() => createMemoryStore({ deltaLog: { maxEntries: -1 } })).toThrowError(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  it('documents its defaults', () => {
    expect(resolveDeltaLogOptions(undefined)).toStrictEqual({
      maxEntries: 100,
      maxBytes: 1024 * 1024,
    });
  });
});

describe('utf8Length', () => {
  it('counts UTF-8 bytes, not UTF-16 units, so maxBytes means bytes', () => {
    expect(['', 'abc', 'é', '€', '😀', 'a😀é€z'].map(utf8Length)).toStrictEqual([
      0, 3, 2, 3, 4, 11,
    ]);
  });
});
