// What the engine accepts from a transport: invalidations and snapshots arrive as `unknown` and are
// checked here by hand (the core has no dependencies). A check returns the offending field ('' for
// the payload itself), and `problemText` names it with its value: the error's code says the rest.
// Short on purpose: this ships to every browser.
import { describeValue, isNonEmptyString } from './errors';
import { isRevision } from './revision';

const REASONS = 'initial invalidation gap epoch beacon reconnect manual'.split(' ');

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Early returns, not one chained expression: this runs on every invalidation, and the chain was
// measurably slower on the ignored-invalidation path (bench/engine).
function fieldsProblem(value: Loose, sourceId?: boolean): string | undefined {
  const { revision, epoch } = value;
  if (!isRevision(revision)) return 'revision';
  if (epoch !== undefined && typeof epoch !== 'string') return 'epoch';
  if (sourceId && value.sourceId !== undefined && typeof value.sourceId !== 'string') {
    return 'sourceId';
  }
}

/** `own` is the engine's topic: the usual case skips the string check it already passed. */
export function eventProblem(e: unknown, own: string): string | undefined {
  if (!isObject(e)) return '';
  if (e.topic !== own && !isNonEmptyString(e.topic)) return 'topic';
  if (e.reason !== undefined && !REASONS.includes(e.reason as string)) return 'reason';
  if (e.resync === true) return;
  if (e.connected !== undefined) return typeof e.connected === 'boolean' ? undefined : 'connected';
  return fieldsProblem(e, true);
}

export const snapshotProblem = (s: unknown): string | undefined =>
  !isObject(s) ? '' : 'data' in s ? fieldsProblem(s) : 'data';

/** `event revision "007"`, `snapshot data undefined`, `event 42`. */
export const problemText = (kind: string, value: unknown, field: string): string =>
  `${kind}${field && ` ${field}`} ${describeValue(field ? (value as Loose)[field] : value)}`;
