// `@state-sync/protocol/diff`: the ops that turn one state into the next, for the side that
// writes (a source, a host tab). On its own subpath so a client that only applies deltas never
// bundles a diff library.
//
// The diff is fast-json-patch's `compare` (22 M downloads a month, MIT; last release 3.1.1 in
// 2022; `compare` is ~60 stable lines we could vendor if it were ever abandoned). It walks both
// trees once and returns at once where the old and new subtree are the same reference, so after
// an immutable update (`{ ...state, a: { ...state.a, b: 1 } }`) it visits only the changed path.
// rfc6902's `createPatch` finds smaller patches for array insertions, but diffs arrays with a
// memoised edit distance, O(n × m) in time and memory: reversing a 300-item array took it 2.4 s
// and a 1,000-item one ran out of a 4 GB heap (one-off check, docs/protocol-package.md), where
// fast-json-patch took under 1 ms. A client must not be able to make the server do that. fast-
// json-patch compares arrays index by index (linear); an insertion at the front costs many
// `replace` ops, and then the size check below sends the state instead. It is imported whole (its CJS entry has no named exports
// Node can see), which is fine on a server-side subpath; the budget is in package.json.
import jsonPatch from 'fast-json-patch';
import { type DeltaLimits, type DeltaOp, deltaOpsProblem, MAX_DELTA_OPS } from './delta-ops';
import { jsonLengthExceeds } from './json-length';

export type DiffOptions = DeltaLimits & {
  /**
   * The length of `JSON.stringify(next)` if you have it. Otherwise `diffStates` measures `next`
   * only as far as it must: it stops walking once the state is longer than the ops, so a small
   * change of a large state never serialises the state.
   */
  stateBytes?: number;
};

/**
 * RFC 6902 ops that turn `previous` into `next`, or undefined when sending `next` itself is the
 * better deal: when the ops serialise to at least as many characters as the state, or would be
 * refused by `applyDelta` (over `maxOps` / `maxPathLength`, or a key such as `__proto__` that no
 * delta may address). `[]` when nothing changed. Neither argument is modified; the ops hold copies
 * of the new values, never references into `next`.
 */
export function diffStates(
  previous: unknown,
  next: unknown,
  options: DiffOptions = {},
): DeltaOp[] | undefined {
  if (previous === next) return [];
  const ops = sameContainerKind(previous, next)
    ? (jsonPatch.compare(previous as object, next as object) as DeltaOp[])
    : [{ op: 'replace' as const, path: '', value: next }];
  if (ops.length === 0) return ops;
  // The op count first (one comparison bounds what the rest may cost), then the size, then each
  // op: when every field changed (a common case) the ops are larger than the state and dropped
  // unchecked, and a change is on its way to the subscribers one check sooner.
  if (ops.length > (options.maxOps ?? MAX_DELTA_OPS)) return undefined;
  const opsLength = JSON.stringify(ops).length;
  const smaller =
    options.stateBytes === undefined
      ? jsonLengthExceeds(next, opsLength)
      : opsLength < options.stateBytes;
  return smaller && deltaOpsProblem(ops, options) === undefined ? ops : undefined;
}

function sameContainerKind(a: unknown, b: unknown): boolean {
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    Array.isArray(a) === Array.isArray(b)
  );
}
