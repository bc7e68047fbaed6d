// What the engine accepts from a transport: invalidations and snapshots arrive as `unknown` and are
// checked here by hand (the core has no dependencies), each problem named for the error message.
// Messages are short on purpose (they ship to every browser): `<field> <value> <problem>`.
import { describeValue, isNonEmptyString } from './errors';
import { isRevision, revisionProblem } from './revision';

const REASONS = 'initial invalidation gap epoch beacon reconnect manual'.split(' ');

type Loose = Record<string, unknown>;

const bad = (field: string, value: unknown, problem: string) =>
  `${field} ${describeValue(value)} ${problem}`;

const objectProblem = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? undefined
    : `${describeValue(value)} is not an object`;

export const topicProblem = (topic: unknown): string | undefined =>
  isNonEmptyString(topic) ? undefined : bad('topic', topic, 'is not a non-empty string');

function fieldsProblem(value: Loose, sourceId?: boolean): string | undefined {
  const { revision, epoch } = value;
  if (!isRevision(revision)) return bad('revision', revision, revisionProblem(revision));
  const field =
    epoch !== undefined && typeof epoch !== 'string'
      ? 'epoch'
      : sourceId && value.sourceId !== undefined && typeof value.sourceId !== 'string'
        ? 'sourceId'
        : undefined;
  if (field) return bad(field, value[field], 'is not a string');
}

/** `own` is the engine's topic: the usual case skips the string checks it already passed. */
export function eventProblem(event: unknown, own: string): string | undefined {
  const problem = objectProblem(event);
  if (problem) return problem;
  const e = event as Loose;
  if (e.topic !== own) {
    const wrong = topicProblem(e.topic);
    if (wrong) return wrong;
  }
  if (e.reason !== undefined && !REASONS.includes(e.reason as string)) {
    return bad('reason', e.reason, 'is unknown');
  }
  if (e.resync === true) return;
  if (e.connected !== undefined) {
    return typeof e.connected === 'boolean'
      ? undefined
      : bad('connected', e.connected, 'is not a boolean');
  }
  return fieldsProblem(e, true);
}

export function snapshotProblem(envelope: unknown): string | undefined {
  const problem = objectProblem(envelope);
  if (problem) return problem;
  if (!('data' in (envelope as object))) return 'has no data';
  return fieldsProblem(envelope as Loose);
}
