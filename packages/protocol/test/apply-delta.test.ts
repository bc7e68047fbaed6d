import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  type DeltaOp,
  isStateSyncProtocolError,
  type StateSyncProtocolErrorCode,
} from '../src/index';
import { deepFreeze } from './json';

function codeOf(run: () => unknown): StateSyncProtocolErrorCode | 'no error' {
  try {
    run();
  } catch (error) {
    if (isStateSyncProtocolError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

const base = () =>
  deepFreeze({
    board: { title: 'Plan', cards: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    users: { ann: { online: true }, bob: { online: false } },
    'a/b': 1,
    'm~n': 2,
  });

describe('applyDelta: every operation of RFC 6902', () => {
  it('adds an object member, and replaces it when it exists', () => {
    const next = applyDelta(base(), [
      { op: 'add', path: '/board/color', value: 'red' },
      { op: 'add', path: '/board/title', value: 'Plan B' },
    ]);
    expect(next.board).toStrictEqual({ ...base().board, color: 'red', title: 'Plan B' });
  });

  it('inserts into an array at an index, and appends with "-" or the length', () => {
    const next = applyDelta(base(), [
      { op: 'add', path: '/board/cards/1', value: { id: 'x' } },
      { op: 'add', path: '/board/cards/-', value: { id: 'y' } },
      { op: 'add', path: '/board/cards/5', value: { id: 'z' } },
    ]);
    expect(next.board.cards.map((card) => card.id)).toStrictEqual(['a', 'x', 'b', 'c', 'y', 'z']);
  });

  it('removes an object member and an array item', () => {
    const next = applyDelta(base(), [
      { op: 'remove', path: '/users/bob' },
      { op: 'remove', path: '/board/cards/0' },
    ]);
    expect(next.users).toStrictEqual({ ann: { online: true } });
    expect(next.board.cards).toStrictEqual([{ id: 'b' }, { id: 'c' }]);
  });

  it('replaces a member, an array item and the whole state', () => {
    const next = applyDelta(base(), [
      { op: 'replace', path: '/users/ann/online', value: false },
      { op: 'replace', path: '/board/cards/2', value: { id: 'C' } },
    ]);
    expect(next.users.ann.online).toBe(false);
    expect(next.board.cards[2]).toStrictEqual({ id: 'C' });
    expect(applyDelta(base(), [{ op: 'replace', path: '', value: [1] }])).toStrictEqual([1]);
    expect(applyDelta(base(), [{ op: 'add', path: '', value: null }])).toBeNull();
  });

  it('moves a value (remove, then add at the new place)', () => {
    const next = applyDelta(base(), [
      { op: 'move', from: '/board/cards/0', path: '/board/cards/-' },
      { op: 'move', from: '/users/bob', path: '/away' },
    ]);
    expect(next.board.cards.map((card) => card.id)).toStrictEqual(['b', 'c', 'a']);
    expect(next).toMatchObject({ away: { online: false }, users: { ann: { online: true } } });
    expect(Object.hasOwn(next.users, 'bob')).toBe(false);
  });

  it('copies a value, and a later edit of one copy leaves the other alone', () => {
    const next = applyDelta(base(), [
      { op: 'replace', path: '/users/ann/online', value: 'busy' },
      { op: 'copy', from: '/users/ann', path: '/users/cat' },
      { op: 'replace', path: '/users/ann/online', value: false },
    ]);
    expect(next.users).toStrictEqual({
      ann: { online: false },
      bob: { online: false },
      cat: { online: 'busy' },
    });
  });

  it('copies a value into its own child after an edit without making a cycle', () => {
    const next = applyDelta(deepFreeze({ a: [1], b: 2 }), [
      { op: 'replace', path: '/b', value: 3 },
      { op: 'copy', from: '', path: '/a/-' },
    ]);
    expect(next).toStrictEqual({ a: [1, { a: [1], b: 3 }], b: 3 });
  });

  it('tests a value by deep equality and applies the rest when it matches', () => {
    const next = applyDelta(base(), [
      { op: 'test', path: '/board/cards/1', value: { id: 'b' } },
      { op: 'test', path: '/users', value: { bob: { online: false }, ann: { online: true } } },
      { op: 'replace', path: '/board/title', value: 'ok' },
    ]);
    expect(next.board.title).toBe('ok');
  });

  it('unescapes ~1 and ~0 in paths (RFC 6901)', () => {
    const next = applyDelta(base(), [
      { op: 'replace', path: '/a~1b', value: 10 },
      { op: 'replace', path: '/m~0n', value: 20 },
    ]);
    expect(next).toMatchObject({ 'a/b': 10, 'm~n': 20 });
  });

  it('returns the same state for an empty delta', () => {
    const state = base();
    expect(applyDelta(state, [])).toBe(state);
  });
});

describe('applyDelta: structural sharing and immutability', () => {
  it('never mutates a deep-frozen input and shares every untouched subtree', () => {
    const state = base();
    const next = applyDelta(state, [{ op: 'replace', path: '/users/ann/online', value: false }]);
    expect(next).not.toBe(state);
    expect(next.users).not.toBe(state.users);
    expect(next.users.ann).not.toBe(state.users.ann);
    expect(next.users.bob).toBe(state.users.bob);
    expect(next.board).toBe(state.board);
    expect(state.users.ann.online).toBe(true);
  });

  it('copies each container on a path once for many ops under it', () => {
    const items = deepFreeze(Array.from({ length: 1000 }, (_, i) => ({ i })));
    const ops: DeltaOp[] = Array.from({ length: 500 }, (_, i) => ({
      op: 'replace',
      path: `/${i * 2}/i`,
      value: -i,
    }));
    const next = applyDelta(items, ops);
    expect(next[2]).toStrictEqual({ i: -1 });
    expect(next[3]).toBe(items[3]);
  });

  it('leaves the input whole when an op in the middle fails', () => {
    const state = base();
    const before = JSON.stringify(state);
    expect(
      codeOf(() =>
        applyDelta(state, [
          { op: 'replace', path: '/board/title', value: 'changed' },
          { op: 'remove', path: '/missing' },
        ]),
      ),
    ).toBe('path_not_found');
    expect(JSON.stringify(state)).toBe(before);
  });
});

describe('applyDelta: refuses what it cannot apply, with a code and the op named', () => {
  const cases: [string, unknown[], StateSyncProtocolErrorCode][] = [
    ['a remove of a missing member', [{ op: 'remove', path: '/users/cat' }], 'path_not_found'],
    [
      'a replace of a missing member',
      [{ op: 'replace', path: '/nope', value: 1 }],
      'path_not_found',
    ],
    ['an add under a missing parent', [{ op: 'add', path: '/a/b/c', value: 1 }], 'path_not_found'],
    [
      'a path through a scalar',
      [{ op: 'add', path: '/board/title/x', value: 1 }],
      'path_not_found',
    ],
    ['an inherited member', [{ op: 'remove', path: '/board/toString' }], 'path_not_found'],
    ['an index past the end', [{ op: 'replace', path: '/board/cards/3', value: 1 }], 'bad_index'],
    ['an insert past the end', [{ op: 'add', path: '/board/cards/4', value: 1 }], 'bad_index'],
    ['a leading zero', [{ op: 'remove', path: '/board/cards/01' }], 'bad_index'],
    ['a negative index', [{ op: 'remove', path: '/board/cards/-1' }], 'bad_index'],
    ['"-" outside add', [{ op: 'remove', path: '/board/cards/-' }], 'bad_index'],
    ['a failing test', [{ op: 'test', path: '/board/title', value: 'Other' }], 'test_failed'],
    [
      'a move into its own child',
      [{ op: 'move', from: '/board', path: '/board/x' }],
      'move_into_self',
    ],
    ['a move of a missing value', [{ op: 'move', from: '/no', path: '/no' }], 'path_not_found'],
    ['a copy of a missing value', [{ op: 'copy', from: '/no', path: '/x' }], 'path_not_found'],
    ['a remove of the whole state', [{ op: 'remove', path: '' }], 'invalid_op'],
    ['an unknown op', [{ op: 'merge', path: '/x', value: 1 }], 'invalid_op'],
    ['an add without value', [{ op: 'add', path: '/x' }], 'invalid_op'],
    ['a move without from', [{ op: 'move', path: '/x' }], 'invalid_path'],
    ['a non-object op', [42], 'invalid_op'],
    ['a path without leading slash', [{ op: 'remove', path: 'board' }], 'invalid_path'],
    ['a bad escape', [{ op: 'remove', path: '/a~2b' }], 'invalid_path'],
    ['a trailing ~', [{ op: 'remove', path: '/a~' }], 'invalid_path'],
    ['a too long path', [{ op: 'remove', path: `/${'x'.repeat(1024)}` }], 'invalid_path'],
    ['__proto__', [{ op: 'add', path: '/__proto__/polluted', value: 1 }], 'forbidden_path'],
    ['constructor', [{ op: 'add', path: '/constructor/prototype/x', value: 1 }], 'forbidden_path'],
    ['prototype in from', [{ op: 'copy', from: '/prototype', path: '/x' }], 'forbidden_path'],
  ];
  it.each(cases)('refuses %s', (_, ops, code) => {
    expect(codeOf(() => applyDelta(base(), ops as DeltaOp[]))).toBe(code);
  });

  it('refuses more ops than maxOps before looking at any', () => {
    const ops = Array.from({ length: 11 }, () => 'not even an op') as unknown as DeltaOp[];
    expect(codeOf(() => applyDelta(base(), ops, { maxOps: 10 }))).toBe('too_many_ops');
  });

  it('names the failing op, its index and its path', () => {
    try {
      applyDelta(base(), [
        { op: 'test', path: '/board/title', value: 'Plan' },
        { op: 'remove', path: '/users/cat' },
      ]);
      expect.unreachable();
    } catch (error) {
      expect(isStateSyncProtocolError(error) && error.opIndex).toBe(1);
      expect(String((error as Error).message)).toContain('op 1 (remove "/users/cat")');
    }
  });

  it('never pollutes Object.prototype, whatever the delta', () => {
    const attempts: unknown[] = [
      { op: 'add', path: '/__proto__/polluted', value: true },
      { op: 'replace', path: '/__proto__', value: { polluted: true } },
      { op: 'add', path: '/constructor/prototype/polluted', value: true },
      { op: 'copy', from: '/__proto__', path: '/polluted' },
    ];
    for (const op of attempts) codeOf(() => applyDelta({}, [op as DeltaOp]));
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('keeps an own "__proto__" key of parsed JSON a plain key when copying its parent', () => {
    const state = JSON.parse('{"a":{"__proto__":{"x":1},"b":1}}');
    const next = applyDelta(state, [{ op: 'replace', path: '/a/b', value: 2 }]);
    expect(Object.hasOwn(next.a, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(next.a)).toBe(Object.prototype);
  });
});
