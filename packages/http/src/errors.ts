/**
 * Every code the client or the server reports. Codes that travel on the wire (an `error` frame on
 * the event stream, or the JSON body of a refused request) are the first group; an unknown wire
 * code reaches you as `server_error`.
 */
export type StateSyncHttpErrorCode =
  // on the wire, server → client
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid_topic'
  | 'too_many_topics'
  | 'too_large'
  | 'too_many_connections'
  | 'bad_request'
  | 'unsupported'
  | 'conflict'
  | 'rejected'
  | 'internal'
  /** A mutation could not be applied now (a store outage): the client resends the same seq. */
  | 'unavailable'
  | 'server_error'
  // local to one side
  | 'invalid_message'
  /** A pushed or pulled delta did not apply (or its result failed the schema): pulled instead. */
  | 'delta_rejected'
  | 'timeout'
  | 'aborted'
  | 'closed'
  | 'disconnected'
  | 'heartbeat_timeout'
  | 'slow_consumer'
  | 'invalid_argument';

export const WIRE_ERROR_CODES: readonly StateSyncHttpErrorCode[] = [
  'unauthorized',
  'forbidden',
  'not_found',
  'invalid_topic',
  'too_many_topics',
  'too_large',
  'too_many_connections',
  'bad_request',
  'unsupported',
  'conflict',
  'rejected',
  'internal',
  'unavailable',
];

/** The HTTP status each wire code is answered with. */
export const STATUS_OF: Readonly<Record<string, number>> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_topic: 400,
  too_many_topics: 400,
  too_large: 413,
  too_many_connections: 503,
  bad_request: 400,
  unsupported: 501,
  conflict: 409,
  rejected: 422,
  internal: 500,
  unavailable: 503,
};

/** The one error class of @state-sync/http. Assert on `code`, never on message text. */
export class StateSyncHttpError extends Error {
  override readonly name = 'StateSyncHttpError';
  readonly code: StateSyncHttpErrorCode;
  /** The topic concerned, when there is one (a refused topic, a failed snapshot). */
  readonly topic: string | undefined;
  /**
   * Server side: the HTTP status to answer with when this error refuses a request (from
   * `authenticate`, `onMutate`); default: the status of `code`. Client side: the status received.
   */
  readonly status: number | undefined;

  constructor(
    code: StateSyncHttpErrorCode,
    message: string,
    options: { cause?: unknown; topic?: string; status?: number } = {},
  ) {
    super(`[state-sync/http] ${message}`, { cause: options.cause });
    this.code = code;
    this.topic = options.topic;
    this.status = options.status;
  }
}

export function isStateSyncHttpError(value: unknown): value is StateSyncHttpError {
  return value instanceof StateSyncHttpError;
}

/** The message without the package prefix, for a wire body. */
export function wireMessage(error: StateSyncHttpError): string {
  return error.message.replace(/^\[state-sync\/http\] /, '');
}
