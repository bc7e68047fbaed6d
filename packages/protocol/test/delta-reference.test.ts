// Differential test: on ops that address real paths of a random state, applyDelta agrees with
// fast-json-patch's applyPatch (a widely used RFC 6902 implementation) on a deep clone.
import fc from 'fast-check';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  type DeltaOp,
  formatPointer,
  isStateSyncProtocolError,
  parsePointer,
} from '../src/index';
import { deepFreeze } from './json';

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -9, max: 9 }),
      fc.constantFrom('x', 'y'),
    ),
    fc.array(tie('value'), { maxLength: 3 }),
    fc
      .dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 })
      .map((r) => ({ ...r })),
  ),
})).value;

/** Every path in `value`, plus one past each array's end and one missing key per object. */
function pathsOf(value: unknown, prefix: string[] = []): string[] {
  const paths = [formatPointer(prefix)];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      paths.push(...pathsOf(item, [...prefix, String(i)]));
    });
    paths.push(formatPointer([...prefix, String(value.length)]), formatPointer([...prefix, '-']));
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value))
      paths.push(...pathsOf((value as Record<string, unknown>)[key], [...prefix, key]));
    paths.push(formatPointer([...prefix, 'new']));
  }
  return paths;
}

/** The value at `pointer` under RFC 6901's rules (own keys, canonical indices), or a miss. */
function resolve(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  let node = doc;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment) || Number(segment) >= node.length)
        return { found: false };
      node = node[Number(segment)];
    } else if (isContainer(node) && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else return { found: false };
  }
  return { found: true, value: node };
}
const exists = (doc: unknown, pointer: string) => resolve(doc, pointer).found;
const parentOf = (doc: unknown, pointer: string) =>
  pointer === '' ? {} : resolve(doc, pointer.slice(0, pointer.lastIndexOf('/'))).value;
const isContainer = (value: unknown) => typeof value === 'object' && value !== null;
/** Whether RFC 6902 `add` at `pointer` must fail on `doc`: no container parent, or a bad index. */
function addFails(doc: unknown, pointer: string): boolean {
  if (pointer === '') return false;
  const parent = parentOf(doc, pointer);
  const key = parsePointer(pointer).at(-1)!;
  if (!isContainer(parent)) return true;
  if (!Array.isArray(parent) || key === '-') return false;
  return !/^(0|[1-9][0-9]*)$/.test(key) || Number(key) > parent.length;
}

/**
 * fast-json-patch's applyPatch, and when it refuses a patch with a `move`, the same patch with each
 * move applied as RFC 6902 4.4 defines it: a remove at `from`, then an add of that value at `path`.
 * With validation on, fast-json-patch checks a move's `path` against the document before the
 * remove, where it may not resolve yet (seed 242257346: in `[{…}, false, "x", []]`, moving `/1` to
 * `/2/-` is refused because `/2` is "x" before the remove; after it `/2` is the array).
 */
function reference(state: unknown, ops: DeltaOp[]): { ok: true; value: unknown } | { ok: false } {
  const apply = (doc: unknown, patch: DeltaOp[]) =>
    jsonPatch.applyPatch(doc, structuredClone(patch) as Operation[], true, true).newDocument;
  try {
    return { ok: true, value: apply(structuredClone(state), ops) };
  } catch {
    if (!ops.some((op) => op.op === 'move')) return { ok: false };
  }
  try {
    let doc = structuredClone(state);
    for (const op of ops) {
      doc =
        op.op === 'move' && exists(doc, op.from)
          ? apply(doc, [
              { op: 'remove', path: op.from },
              { op: 'add', path: op.path, value: resolve(doc, op.from).value },
            ])
          : apply(doc, [op]);
    }
    return { ok: true, value: doc };
  } catch {
    return { ok: false };
  }
}

describe('applyDelta agrees with fast-json-patch', () => {
  it('moves as RFC 6902 4.4 says: remove, then add to the document without it (seed 242257346)', () => {
    const state = [{ a: 'y' }, 'x', []];
    const ops: DeltaOp[] = [
      { op: 'add', path: '/1', value: false },
      { op: 'move', from: '/1', path: '/2/-' },
    ];
    const rfc = [{ a: 'y' }, 'x', [false]];
    expect(applyDelta(deepFreeze(structuredClone(state)), ops)).toStrictEqual(rfc);
    // fast-json-patch refuses it when validating, and without validation agrees with the RFC.
    expect(() => jsonPatch.applyPatch(structuredClone(state), ops as Operation[], true)).toThrow();
    expect(
      jsonPatch.applyPatch(structuredClone(state), structuredClone(ops) as Operation[], false)
        .newDocument,
    ).toStrictEqual(rfc);
    expect(reference(state, ops)).toStrictEqual({ ok: true, value: rfc });
  });

  it('gives the same state, or fails where it fails, for ops on real paths', () => {
    const scenario = json.chain((state) => {
      const paths = pathsOf(state);
      const op = fc.record({
        op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'),
        path: fc.constantFrom(...paths),
        from: fc.constantFrom(...paths),
        value: json,
      });
      return fc.tuple(fc.constant(state), fc.array(op, { minLength: 1, maxLength: 4 }));
    });
    let agreedOnSuccess = 0;
    let laxer = 0;
    fc.assert(
      fc.property(scenario, ([state, rawOps]) => {
        const ops = rawOps.map(({ op, path, from, value }) =>
          op === 'move' || op === 'copy'
            ? { op, from, path }
            : op === 'remove'
              ? { op, path }
              : { op, path, value },
        ) as DeltaOp[];
        // Documented difference: removing the whole state is refused (replace it instead).
        fc.pre(!ops.some((op) => op.op === 'remove' && op.path === ''));
        let ours: { ok: true; value: unknown } | { ok: false; opIndex: number };
        try {
          ours = { ok: true, value: applyDelta(deepFreeze(structuredClone(state)), ops) };
        } catch (error) {
          if (!isStateSyncProtocolError(error)) throw error;
          ours = { ok: false, opIndex: error.opIndex ?? -1 };
        }
        const theirs = reference(state, ops);
        if (ours.ok && theirs.ok) {
          agreedOnSuccess++;
          expect(ours.value).toStrictEqual(theirs.value);
        } else if (!ours.ok && theirs.ok) {
          // fast-json-patch is laxer than RFC 6902 here: a `from` that must exist (4.4, 4.5), a
          // target that must exist (4.2, 4.3, 4.6), a move into its own child (4.4), an add (or the add half of a move, after its remove)
          // whose parent is not a container or whose index is past the end (4.1). Anything else
          // is a disagreement.
          const failed = ops[ours.opIndex]!;
          const before = applyDelta(state, ops.slice(0, ours.opIndex));
          let reason: string;
          if ((failed.op === 'move' || failed.op === 'copy') && !exists(before, failed.from))
            reason = 'from is missing';
          else if (failed.op === 'move' && failed.path.startsWith(`${failed.from}/`))
            reason = 'move into own child';
          else if (failed.op === 'move')
            reason = addFails(
              applyDelta(before, [{ op: 'remove', path: failed.from }]),
              failed.path,
            )
              ? 'add half of move fails'
              : 'no RFC reason';
          else if (
            (failed.op === 'remove' || failed.op === 'replace' || failed.op === 'test') &&
            !exists(before, failed.path)
          )
            reason = 'target is missing';
          else if (failed.op === 'add' || failed.op === 'copy')
            reason = addFails(before, failed.path) ? 'add fails' : 'no RFC reason';
          else reason = 'no RFC reason';
          expect({ failed, state, reason }).not.toMatchObject({ reason: 'no RFC reason' });
          laxer++;
        } else {
          expect({ ours: ours.ok, theirs: theirs.ok, ops, state }).toMatchObject({
            ours: theirs.ok,
          });
        }
      }),
      {
        numRuns: 1000,
        // Seed 242257346 failed once here: a move fast-json-patch refused (see reference()).
        examples: [
          [
            [
              [{ a: 'y' }, 'x', []],
              [
                { op: 'add', path: '/1', from: '', value: false },
                { op: 'move', path: '/2/-', from: '/1', value: null },
              ],
            ],
          ],
        ],
      },
    );
    expect(agreedOnSuccess).toBeGreaterThan(100);
    expect(laxer).toBeGreaterThan(0); // the comparison above did run
  });
});
