// Hand-written checks for the hottest frames, tried before the zod schema of their type. Each
// accepts a subset of what its schema accepts, and only values the schema would return unchanged
// (no unknown keys to strip, no optional key holding `undefined`): when a check says yes, the
// value is the parsed message. Anything else, valid or not, goes to the schema, which has the
// words for the problem. A property test (test/frame-checks.test.ts) holds the two in agreement.
import { compareRevisions, isRevision } from '@state-sync/core';
import { deltaOpsProblem } from './delta-ops';
import type { InvalidateMessage } from './messages';
import { isTopicName } from './topic';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// `mutation` is missing on purpose: frames carrying one take the schema. Comparisons, not an
// array's includes(): a frame's keys are internalized strings, each test a pointer compare.
const isKnownKey = (key: string): boolean =>
  key === 'type' ||
  key === 'topic' ||
  key === 'revision' ||
  key === 'epoch' ||
  key === 'sourceId' ||
  key === 'delta';

const isShortString = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= 256;

/** The `delta` of an invalidation to `revision`: `{ baseRevision, ops }` and nothing else. */
function isDeltaTo(delta: unknown, revision: string): boolean {
  if (!isPlainObject(delta)) return false;
  let keys = 0;
  for (const _ in delta) keys++;
  const { baseRevision, ops } = delta;
  return (
    keys === 2 &&
    isRevision(baseRevision) &&
    ops !== undefined &&
    deltaOpsProblem(ops) === undefined &&
    compareRevisions(baseRevision, revision) < 0
  );
}

/**
 * True when `value` is an `invalidate` that `invalidateMessageSchema` accepts as is. A frame with
 * a `mutation` mark, unknown fields or anything unusual returns false and takes the schema.
 */
export function isInvalidateMessage(value: unknown): value is InvalidateMessage {
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    // `data` may hold anything; every other key must be one the schema knows, with a value.
    if (key !== 'data' && !(isKnownKey(key) && value[key] !== undefined)) return false;
  }
  const { type, topic, revision, epoch, sourceId, delta } = value;
  if (type !== 'invalidate' || !isTopicName(topic) || !isRevision(revision)) return false;
  if (!isShortString(epoch) || (sourceId !== undefined && !isShortString(sourceId))) return false;
  if (delta === undefined) return true;
  return !('data' in value) && isDeltaTo(delta, revision);
}

/** Fast checks by message type, for `parseFrame`'s `fast` argument. */
export const serverFrameChecks = { invalidate: isInvalidateMessage } as const;
