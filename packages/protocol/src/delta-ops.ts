// The delta format: a list of RFC 6902 operations, and the one rule that says whether a value
// from the network is such a list. The zod schemas and `applyDelta` both use this rule, so a
// delta the schema accepts is one `applyDelta` can try, and the same problem has the same words.
import { quote, type StateSyncProtocolErrorCode } from './errors';
import { MAX_POINTER_LENGTH, pointerProblem } from './pointer';

/** One RFC 6902 operation. `path` and `from` are RFC 6901 JSON Pointers. */
export type DeltaOp =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: unknown };

/** What travels in `invalidate.delta` and a resume reply: the ops that turn `baseRevision`'s state into the message's. */
export type Delta = { baseRevision: string; ops: readonly DeltaOp[] };

/** Default bound on the operations of one delta. */
export const MAX_DELTA_OPS = 10_000;

/** Bounds on what one delta may make a client walk. Every field has a documented default. */
export type DeltaLimits = {
  /** Operations per delta (default `MAX_DELTA_OPS`, 10,000). */
  maxOps?: number;
  /** Characters per `path` / `from` pointer (default `MAX_POINTER_LENGTH`, 1,024). */
  maxPathLength?: number;
};

export type DeltaProblem = { code: StateSyncProtocolErrorCode; message: string; index?: number };

const OPS_WITH_VALUE = ['add', 'replace', 'test'];
const OPS_WITH_FROM = ['move', 'copy'];

/** Why `op` is not a valid RFC 6902 operation within `limits`, or undefined when it is. */
export function deltaOpProblem(op: unknown, limits: DeltaLimits = {}): DeltaProblem | undefined {
  if (typeof op !== 'object' || op === null || Array.isArray(op))
    return { code: 'invalid_op', message: 'an operation must be an object' };
  const { op: name, path, from } = op as { op?: unknown; path?: unknown; from?: unknown };
  const isValueOp = OPS_WITH_VALUE.includes(name as string);
  const isFromOp = OPS_WITH_FROM.includes(name as string);
  if (!isValueOp && !isFromOp && name !== 'remove')
    return {
      code: 'invalid_op',
      message: `unknown operation ${quote(name)}: expected add, remove, replace, move, copy or test`,
    };
  const maxLength = limits.maxPathLength ?? MAX_POINTER_LENGTH;
  const pathProblem = pointerProblem(path, maxLength);
  if (pathProblem) return { code: pathProblem.code, message: `${name}: ${pathProblem.message}` };
  if (isFromOp) {
    const fromProblem = pointerProblem(from, maxLength);
    if (fromProblem)
      return { code: fromProblem.code, message: `${name} from: ${fromProblem.message}` };
  }
  // JSON has no `undefined`: a value op without a value is malformed, not "set to nothing".
  if (isValueOp && (op as { value?: unknown }).value === undefined)
    return { code: 'invalid_op', message: `${name} ${quote(path)} has no "value"` };
  return undefined;
}

/** Why `ops` is not a valid delta op list within `limits`, or undefined when it is. */
export function deltaOpsProblem(ops: unknown, limits: DeltaLimits = {}): DeltaProblem | undefined {
  if (!Array.isArray(ops)) return { code: 'invalid_op', message: 'ops must be an array' };
  const maxOps = limits.maxOps ?? MAX_DELTA_OPS;
  // Checked before any op is looked at, so a flood of ops costs one comparison.
  if (ops.length > maxOps)
    return {
      code: 'too_many_ops',
      message: `a delta of ${ops.length} operations is over the limit of ${maxOps}`,
    };
  for (let index = 0; index < ops.length; index++) {
    const problem = deltaOpProblem(ops[index], limits);
    if (problem) return { ...problem, index, message: `op ${index}: ${problem.message}` };
  }
  return undefined;
}

/** True when `ops` is a valid delta op list within `limits` (see `deltaOpsProblem` for why not). */
export function isDeltaOps(ops: unknown, limits?: DeltaLimits): ops is DeltaOp[] {
  return deltaOpsProblem(ops, limits) === undefined;
}
