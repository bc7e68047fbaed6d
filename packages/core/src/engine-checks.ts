// What the engine accepts from a transport: invalidations and snapshots arrive as `unknown` and are
// checked here by hand (the core has no dependencies), each problem named for the error message.
import { describeValue } from './errors';
import { isRevision, revisionProblem } from './revision';

const REASONS = 'initial invalidation gap epoch beacon reconnect manual'.split(' ');

type Loose = Record<string, unknown>;

const objectProblem = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? undefined
    : `must be an object, got ${describeValue(value)}`;

export const topicProblem = (topic: unknown): string | undefined =>
  typeof topic === 'string' && topic.trim() !== ''
    ? undefined
    : `topic ${describeValue(topic)} must be a non-empty string`;

function fieldsProblem(value: Loose, sourceId?: boolean): string | undefined {
  const { revision, epoch } = value;
  if (!isRevision(revision))
    return `revision ${describeValue(revision)} ${revisionProblem(revision)}`;
  const bad =
    epoch !== undefined && typeof epoch !== 'string'
      ? 'epoch'
      : sourceId && value.sourceId !== undefined && typeof value.sourceId !== 'string'
        ? 'sourceId'
        : undefined;
  if (bad) return `${bad} ${describeValue(value[bad])} must be a string`;
}

/** `own` is the engine's topic: the usual case skips the string checks it already passed. */
export function eventProblem(event: unknown, own: string): string | undefined {
  const problem = objectProblem(event);
  if (problem) return problem;
  const e = event as Loose;
  if (e.topic !== own) {
    const bad = topicProblem(e.topic);
    if (bad) return bad;
  }
  if (e.reason !== undefined && !REASONS.includes(e.reason as string)) {
    return `reason ${describeValue(e.reason)} is unknown`;
  }
  if (e.resync === true) return;
  if (e.connected !== undefined) {
    return typeof e.connected === 'boolean'
      ? undefined
      : `connected ${describeValue(e.connected)} must be a boolean`;
  }
  return fieldsProblem(e, true);
}

export function snapshotProblem(envelope: unknown): string | undefined {
  const problem = objectProblem(envelope);
  if (problem) return problem;
  if (!('data' in (envelope as object))) return 'has no data field';
  return fieldsProblem(envelope as Loose);
}
