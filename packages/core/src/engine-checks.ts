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
const notString = (value: unknown) => value !== undefined && typeof value !== 'string';

const fieldsProblem = (value: Loose): string | undefined =>
  !isRevision(value.revision) ? 'revision' : notString(value.epoch) ? 'epoch' : undefined;

/** `own` is the engine's topic: the usual case skips the string check it already passed. */
export const eventProblem = (e: unknown, own: string): string | undefined =>
  !isObject(e)
    ? ''
    : e.topic !== own && !isNonEmptyString(e.topic)
      ? 'topic'
      : e.reason !== undefined && !REASONS.includes(e.reason as string)
        ? 'reason'
        : e.resync === true
          ? undefined
          : e.connected !== undefined
            ? typeof e.connected === 'boolean'
              ? undefined
              : 'connected'
            : (fieldsProblem(e) ?? (notString(e.sourceId) ? 'sourceId' : undefined));

export const snapshotProblem = (s: unknown): string | undefined =>
  !isObject(s) ? '' : 'data' in s ? fieldsProblem(s) : 'data';

/** `event revision "007"`, `snapshot data undefined`, `event 42`. */
export const problemText = (kind: string, value: unknown, field: string): string =>
  `${kind}${field && ` ${field}`} ${describeValue(field ? (value as Loose)[field] : value)}`;
