// Compatibility: both ends announce a protocol version and the features they understand; each
// side uses only what both announced, so an old client (announcing nothing) gets plain
// invalidations and pulls, exactly as before deltas existed.

/** The protocol version both ends put in their first message (`hello`, `auth`). */
export const PROTOCOL_VERSION = 1;

/**
 * What an end may announce:
 * - `delta`: `invalidate` may carry `delta: { baseRevision, ops }`;
 * - `inline`: `invalidate` may carry `data` (the whole new state, when small);
 * - `resume`: `get` may carry `since`, answered by a `snapshot` with `delta` instead of `data`.
 */
export const PROTOCOL_FEATURES = ['delta', 'inline', 'resume'] as const;

export type ProtocolFeature = (typeof PROTOCOL_FEATURES)[number];

/**
 * The features both `ours` and `theirs` name, in our order. `theirs` is whatever the peer sent:
 * names we do not know (a newer peer's) are ignored, and nothing announced means none.
 */
export function commonFeatures(
  ours: readonly ProtocolFeature[],
  theirs: readonly string[] | undefined,
): ProtocolFeature[] {
  if (theirs === undefined) return [];
  return ours.filter((feature) => theirs.includes(feature));
}
