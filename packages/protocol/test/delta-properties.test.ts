// The delta invariants over random JSON: diff then apply gives the target, the input is never
// written, untouched subtrees keep their reference, and bad ops fail with a code, nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffStates } from '../src/diff';
import {
  applyDelta,
  type DeltaOp,
  FORBIDDEN_SEGMENTS,
  isStateSyncProtocolError,
  jsonEqual,
} from '../src/index';
import { deepFreeze } from './json';

const everything = { stateBytes: Number.POSITIVE_INFINITY, maxOps: Number.POSITIVE_INFINITY };

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some(
    (key) =>
      FORBIDDEN_SEGMENTS.includes(key) || hasForbiddenKey((value as Record<string, unknown>)[key]),
  );
}

/** `value` with `leaf` set at `path`, copying only the containers on the path. */
function setIn(value: unknown, path: readonly string[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [key, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[Number(key)] = setIn(value[Number(key)], rest, leaf);
    return copy;
  }
  const record = value as Record<string, unknown>;
  return { ...record, [key]: setIn(record[key], rest, leaf) };
}

function containerPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  const paths = [prefix];
  for (const key of Object.keys(value))
    paths.push(...containerPaths((value as Record<string, unknown>)[key], [...prefix, key]));
  return paths;
}

/** A random immutable edit of `base`: set or append `leaf` somewhere, sharing everything else. */
function edit(base: unknown, pick: number, key: string, leaf: unknown): unknown {
  const paths = containerPaths(base);
  const path = paths[pick % Math.max(paths.length, 1)];
  if (path === undefined) return leaf;
  let node = base;
  for (const segment of path) node = (node as Record<string, unknown>)[segment];
  const last = Array.isArray(node) ? String(pick % (node.length + 1)) : key;
  return setIn(base, [...path, last], leaf);
}

/** Asserts that wherever `target` shares a subtree with `base`, `result` shares it too. */
function expectSharing(base: unknown, target: unknown, result: unknown): void {
  if (typeof target !== 'object' || target === null) return;
  if (target === base) {
    expect(result).toBe(base);
    return;
  }
  if (typeof base !== 'object' || base === null) return;
  for (const key of Object.keys(target)) {
    if (!Object.hasOwn(base, key)) continue;
    expectSharing(
      (base as Record<string, unknown>)[key],
      (target as Record<string, unknown>)[key],
      (result as Record<string, unknown>)[key],
    );
  }
}

/** Every object in `value` is a plain object or array: no delta reached a prototype. */
function expectPlainJson(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(value));
  for (const key of Object.keys(value)) expectPlainJson((value as Record<string, unknown>)[key]);
}

const key = fc.oneof(fc.constantFrom('a', 'b', '0', 'a/b', '~', ''), fc.string({ maxLength: 4 }));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 6 })),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }).map((record) => ({ ...record })),
  ),
})).value;

describe('delta properties', () => {
  it('applyDelta(a, diffStates(a, b)) equals b, for any JSON a and b', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), (a, b) => {
        const frozen = deepFreeze(structuredClone(a));
        const ops = diffStates(frozen, b, everything);
        if (ops === undefined) {
          expect(hasForbiddenKey(a) || hasForbiddenKey(b)).toBe(true);
          return;
        }
        expect(jsonEqual(applyDelta(frozen, ops), b)).toBe(true);
        expect(jsonEqual(frozen, a)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('after an immutable edit, every subtree the edit did not touch keeps its reference', () => {
    const edits = fc.array(fc.tuple(fc.nat(), key, json), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(json, edits, (base, changes) => {
        const a = deepFreeze(base);
        const b = changes.reduce<unknown>(
          (state, [pick, k, leaf]) => edit(state, pick, k, leaf),
          a,
        );
        const ops = diffStates(a, b, everything);
        if (ops === undefined) {
          expect(hasForbiddenKey(b)).toBe(true); // no delta may address it: a snapshot is sent
          return;
        }
        const result = applyDelta(a, ops);
        expect(jsonEqual(result, b)).toBe(true);
        expectSharing(a, b, result);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a bad op with a StateSyncProtocolError, never anything else, never writing', () => {
    const path = fc.oneof(
      fc.constantFrom('', '/', '/a', '/a/0', '/b/-', '/0', '/__proto__', '/a~1b', '/~2', 'a'),
      fc
        .array(fc.oneof(key, fc.constantFrom('-', '01', 'constructor', '1', '2')), {
          maxLength: 4,
        })
        .map((segments) => `/${segments.join('/')}`),
      fc.anything(),
    );
    const op = fc.oneof(
      fc.record(
        {
          op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'merge'),
          path,
          from: path,
          value: fc.oneof(json, fc.constant(undefined)),
        },
        { requiredKeys: [] },
      ),
      fc.anything(),
      // Prototype attacks, often enough that every run tries some.
      fc.record({
        op: fc.constantFrom('add', 'replace', 'copy', 'move'),
        path: fc.constantFrom(
          '/__proto__',
          '/a/__proto__',
          '/constructor/prototype',
          '/0/__proto__',
        ),
        from: fc.constantFrom('/a', '/__proto__', '/0'),
        value: fc.constant({ polluted: true }),
      }),
    );
    fc.assert(
      fc.property(json, fc.array(op, { maxLength: 5 }), (state, ops) => {
        const frozen = deepFreeze(state);
        const before = JSON.stringify(frozen);
        try {
          expectPlainJson(applyDelta(frozen, ops as DeltaOp[]));
        } catch (error) {
          if (!isStateSyncProtocolError(error)) throw error;
          expect(error.message).toMatch(/^\[state-sync\/protocol\] /);
        }
        expect(JSON.stringify(frozen)).toBe(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});
