import { describe, expect, it, vi } from 'vitest';
import { whenApplied } from '../src/index';
import { inv, setup, snap, started } from './helpers';

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code: string }) => error.code,
  );

describe('the revision during apply', () => {
  it('getLocalRevision and getEpoch already show the snapshot the applier is writing', async () => {
    const seen: string[] = [];
    const t = setup({
      applier: () => {
        seen.push(`${t.sync.getEpoch()}@${t.sync.getLocalRevision()}`);
      },
    });
    const start = t.sync.start();
    await vi.waitFor(() => expect(t.fetches).toHaveLength(1));
    await t.answer(1, snap('1'));
    await start;
    t.emit(inv('0', 'B'));
    await t.answer(2, snap('0', 0, 'B'));
    expect(seen).toStrictEqual(['A@1', 'B@0']);
  });

  it('falls back to the applied revision when the applier throws', async () => {
    const t = await started({
      applier: ({ revision }) => {
        if (revision === '2') throw new Error('store is busy');
      },
    });
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(t.sync.getLocalRevision()).toBe('1');
    expect(t.errors.map((e) => e.phase)).toStrictEqual(['apply']);
  });
});

describe('onApply', () => {
  it('an emit calls the listeners held when it began: removing or adding one during it waits for the next', async () => {
    const t = await started();
    const log: string[] = [];
    let offB = () => {};
    const late = () => void log.push('late');
    const a = () => {
      log.push('a');
      offB(); // removes b, which this emit still calls
      t.sync.onApply(late); // added now: called from the next emit on
    };
    const b = () => void log.push('b');
    t.sync.onApply(a);
    offB = t.sync.onApply(b);
    t.sync.onApply(b); // held once
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(log).toStrictEqual(['a', 'b']);
    t.emit(inv('3'));
    await t.answer(3, snap('3'));
    expect(log).toStrictEqual(['a', 'b', 'a', 'late']);
  });

  it('is told of each applied snapshot and its reason, after the revision moved', async () => {
    const t = setup();
    const log: string[] = [];
    const off = t.sync.onApply(({ revision }, reason) =>
      log.push(`${reason}:${revision}:${t.sync.getLocalRevision()}`),
    );
    const start = t.sync.start();
    await vi.waitFor(() => expect(t.fetches).toHaveLength(1));
    await t.answer(1, snap('1'));
    await start;
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    t.emit(inv('1')); // not newer: nothing applied, nothing told
    off();
    t.emit(inv('3'));
    await t.answer(3, snap('3'));
    expect(log).toStrictEqual(['initial:1:1', 'invalidation:2:2']);
  });

  it('keeps the engine working when a listener throws', async () => {
    const t = await started();
    t.sync.onApply(() => {
      throw new Error('listener bug');
    });
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(t.sync.getLocalRevision()).toBe('2');
    expect(t.sync.getStatus()).toBe('synced');
  });
});

describe('whenApplied', () => {
  it('resolves once the revision (or a later one) is applied, not before', async () => {
    const t = await started();
    let done = false;
    const waiting = whenApplied(t.sync, '3').then(() => {
      done = true;
    });
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(done).toBe(false);
    t.emit(inv('4'));
    await t.answer(3, snap('4'));
    await waiting;
    expect(done).toBe(true);
  });

  it('resolves at once for a revision already applied', async () => {
    const t = await started(undefined, snap('5'));
    await expect(code(whenApplied(t.sync, '5'))).resolves.toBe('resolved');
    await expect(code(whenApplied(t.sync, '2'))).resolves.toBe('resolved');
  });

  it('rejects with stopped when the engine stops first, and at once after stop', async () => {
    const t = await started();
    const pending = code(whenApplied(t.sync, '9'));
    t.sync.stop();
    await expect(pending).resolves.toBe('stopped');
    await expect(code(whenApplied(t.sync, '1'))).resolves.toBe('stopped');
  });

  it('rejects with epoch_changed when the source is reset before the revision came', async () => {
    const t = await started();
    const pending = code(whenApplied(t.sync, '7'));
    t.emit(inv('8', 'B'));
    await t.answer(2, snap('8', 8, 'B'));
    await expect(pending).resolves.toBe('epoch_changed');
  });

  it('waits for a named epoch the engine has not seen yet', async () => {
    const t = await started();
    const pending = code(whenApplied(t.sync, '2', 'B'));
    t.emit(inv('3'));
    await t.answer(2, snap('3')); // epoch A, revision 3: not what was asked
    t.emit(inv('2', 'B'));
    await t.answer(3, snap('2', 2, 'B'));
    await expect(pending).resolves.toBe('resolved');
  });

  it('rejects a revision that is not canonical', async () => {
    const t = await started();
    await expect(code(whenApplied(t.sync, '007'))).resolves.toBe('invalid_revision');
  });
});
