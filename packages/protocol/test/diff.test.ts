import { describe, expect, it } from 'vitest';
import { diffStates } from '../src/diff';
import { applyDelta } from '../src/index';
import { deepFreeze } from './json';

const bigState = () =>
  deepFreeze({
    title: 'Board',
    cards: Array.from({ length: 200 }, (_, i) => ({
      id: `card-${i}`,
      text: 'lorem ipsum',
      done: false,
    })),
  });

describe('diffStates', () => {
  it('answers a 1-field change of a large state with one small op', () => {
    const state = bigState();
    const cards = [...state.cards];
    cards[42] = { ...cards[42]!, done: true };
    const next = { ...state, cards };
    expect(diffStates(state, next)).toStrictEqual([
      { op: 'replace', path: '/cards/42/done', value: true },
    ]);
  });

  it('answers [] for the same reference, and for an equal copy', () => {
    const state = bigState();
    expect(diffStates(state, state)).toStrictEqual([]);
    expect(diffStates(state, structuredClone(state))).toStrictEqual([]);
  });

  it('skips a subtree that is the same reference without reading it', () => {
    const untouched = {};
    Object.defineProperty(untouched, 'x', {
      enumerable: true,
      get: () => {
        throw new Error('an untouched subtree was read');
      },
    });
    const previous = { untouched, n: 1 };
    // stateBytes given: measuring the state would read it all, the diff walk must not.
    expect(diffStates(previous, { ...previous, n: 2 }, { stateBytes: 1e9 })).toStrictEqual([
      { op: 'replace', path: '/n', value: 2 },
    ]);
  });

  it('answers undefined when the ops would not be smaller than the state', () => {
    expect(diffStates({ a: 1 }, { a: 2 })).toBeUndefined();
    expect(diffStates({ a: 1, pad: 'x'.repeat(100) }, { b: 1 })).toBeUndefined();
    expect(diffStates([1, 2], { a: 1 })).toBeUndefined();
  });

  it('measures against stateBytes when given, instead of serialising the state', () => {
    const state = bigState();
    const next = { ...state, title: 'New' };
    expect(diffStates(state, next, { stateBytes: 10 })).toBeUndefined();
    expect(diffStates({ a: 1 }, { a: 2 }, { stateBytes: Number.POSITIVE_INFINITY })).toStrictEqual([
      { op: 'replace', path: '/a', value: 2 },
    ]);
    expect(diffStates(1, 'one', { stateBytes: Number.POSITIVE_INFINITY })).toStrictEqual([
      { op: 'replace', path: '', value: 'one' },
    ]);
  });

  it('escapes keys with "/" and "~" in paths', () => {
    const ops = diffStates({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2, 'c~d': 1 }, { stateBytes: 1e9 });
    expect(ops).toStrictEqual([{ op: 'replace', path: '/a~1b', value: 2 }]);
  });

  it('answers undefined rather than ops applyDelta would refuse', () => {
    const previous = JSON.parse(
      '{"constructor":{"n":1},"pad":"0123456789012345678901234567890123456789"}',
    );
    const next = { ...previous, constructor: { n: 2 } };
    expect(diffStates(previous, next)).toBeUndefined();
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const changed = Object.fromEntries(Object.keys(wide).map((key) => [key, -1]));
    expect(diffStates(wide, changed, { maxOps: 10, stateBytes: 1e9 })).toBeUndefined();
  });

  it('hands out copies of new values, never references into the next state', () => {
    const state = bigState();
    const next = { ...state, extra: { deep: [1, 2, 3] } };
    const ops = diffStates(state, next)!;
    expect(ops).toStrictEqual([{ op: 'add', path: '/extra', value: { deep: [1, 2, 3] } }]);
    expect((ops[0] as { value: unknown }).value).not.toBe(next.extra);
    expect(applyDelta(state, ops)).toStrictEqual(next);
  });
});

describe("the README's shortest form", () => {
  it('diffs, applies and shares as the README says', () => {
    const previous = {
      title: 'Plan',
      cards: [
        { id: 'a', done: false },
        { id: 'b', done: false },
      ],
    };
    const next = {
      ...previous,
      cards: [previous.cards[0]!, { ...previous.cards[1]!, done: true }],
    };
    const ops = diffStates(previous, next);
    expect(ops).toStrictEqual([{ op: 'replace', path: '/cards/1/done', value: true }]);
    const patched = ops ? applyDelta(previous, ops) : next;
    expect(patched).toStrictEqual(next);
    expect(patched.cards[0]).toBe(previous.cards[0]);
  });
});
