// The topic name rule, the same on every transport: a topic is 1–256 characters, not blank, and
// not a name that plain-object code turns into a prototype access. `revisions['__proto__'] = r`
// sets a prototype instead of a key, so such a topic would silently vanish from a beacon;
// `constructor` and `prototype` read inherited members where a missing key was meant. These are
// the names prototype-pollution guards refuse (lodash, Node's querystring), so they are refused
// at the edge rather than trusted to every map downstream.

export const MAX_TOPIC_LENGTH = 256;

/** Topic names that can never be safe object keys. */
export const RESERVED_TOPIC_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

// RESERVED_TOPIC_NAMES as comparisons, not includes(): every pushed frame's topic passes here.
const isReserved = (name: string): boolean =>
  name === '__proto__' || name === 'constructor' || name === 'prototype';

/**
 * Why `name` is not a valid topic, or undefined when it is. The message names the topic and
 * what to do, so it can travel in an `error` frame as is.
 */
export function topicNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `a topic must be a string, not ${typeof name}`;
  if (name.trim() === '') return 'a topic must be a non-empty, non-blank string';
  if (name.length > MAX_TOPIC_LENGTH)
    return `topic "${name.slice(0, 40)}…" is longer than ${MAX_TOPIC_LENGTH} characters`;
  if (isReserved(name))
    return `topic "${name}" is reserved: it cannot be a safe object key, choose another name`;
  return undefined;
}

/** True when `name` follows the topic rule (see `topicNameProblem` for why not). */
export function isTopicName(name: unknown): name is string {
  return topicNameProblem(name) === undefined;
}
