export type BroadcastChannelErrorCode =
  /** A bad option or argument given by the caller. */
  | 'invalid_argument'
  /** BroadcastChannel, Web Locks or IndexedDB is missing in this runtime. */
  | 'unavailable'
  /** A message on our channel claims to be ours (marker + app id) but fails validation. */
  | 'invalid_message'
  /** No host answered a request within `timeoutMs` (after retries on every host change). */
  | 'timeout'
  /** The client or host was closed while the request was pending. */
  | 'closed'
  /** postMessage threw (the payload cannot be structured-cloned). */
  | 'post_failed'
  /** The host refused a mutation whose `baseRevision` is no longer current. */
  | 'conflict'
  /** The host's reducer threw on this mutation; nothing was written. */
  | 'mutation_failed'
  /** The host could not understand the request (unknown op, bad topic…); nothing was written. */
  | 'bad_request'
  /** The host failed while serving the request (its store threw). */
  | 'internal'
  /** A pushed delta did not apply, or the schema rejected the state it made: the client pulled. */
  | 'delta_rejected'
  /** IndexedDB refused an operation (quota, blocked upgrade, private mode…). */
  | 'store_failed';

/** The error codes a host sends back over the wire in an `error` message. */
export const WIRE_ERROR_CODES = ['conflict', 'mutation_failed', 'bad_request', 'internal'] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

/** The one error class of @state-sync/broadcast-channel. Assert on `code`, never on message text. */
export class BroadcastChannelError extends Error {
  override readonly name = 'BroadcastChannelError';
  readonly code: BroadcastChannelErrorCode;

  constructor(code: BroadcastChannelErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[state-sync/broadcast-channel] ${message}`, options);
    this.code = code;
  }
}

export function isBroadcastChannelError(value: unknown): value is BroadcastChannelError {
  return value instanceof BroadcastChannelError;
}
