/**
 * Every code the client or the server reports. Codes that travel on the wire (`error.code`) are
 * the first group; an unknown wire code reaches you as `server_error`.
 */
export type StateSyncWebSocketErrorCode =
  // on the wire, server → client
  | 'unauthorized'
  | 'forbidden'
  | 'too_large'
  | 'rate_limited'
  | 'bad_request'
  | 'unsupported'
  | 'invalid_op'
  | 'conflict'
  | 'rejected'
  | 'internal'
  | 'invalid_topic'
  | 'too_many_topics'
  | 'too_many_requests'
  /** A mutation could not be applied now (a store outage): resent later with the same seq. */
  | 'unavailable'
  | 'server_error'
  // local to one side
  | 'invalid_message'
  | 'timeout'
  | 'aborted'
  | 'closed'
  | 'disconnected'
  | 'heartbeat_timeout'
  | 'slow_consumer'
  | 'pre_auth_overflow'
  | 'too_many_connections'
  | 'invalid_argument'
  /** A mutator threw while the client computed its optimistic view (the server still decides). */
  | 'mutation_failed'
  /** A pushed or resumed delta did not apply, or its result failed the schema: pulled instead. */
  | 'delta_rejected';

export const WIRE_ERROR_CODES: readonly StateSyncWebSocketErrorCode[] = [
  'unauthorized',
  'forbidden',
  'too_large',
  'rate_limited',
  'bad_request',
  'unsupported',
  'invalid_op',
  'conflict',
  'rejected',
  'internal',
  'invalid_topic',
  'too_many_topics',
  'too_many_requests',
  'unavailable',
];

/** The one error class of @state-sync/websocket. Assert on `code`, never on message text. */
export class StateSyncWebSocketError extends Error {
  override readonly name = 'StateSyncWebSocketError';
  readonly code: StateSyncWebSocketErrorCode;
  /** The topic concerned, when there is one (a refused subscribe, a failed get). */
  readonly topic: string | undefined;
  /**
   * Server side: the WebSocket close code to use when this error rejects a connection in
   * `authenticate` (default 4401). Client side: the close code that caused it, if any.
   */
  readonly closeCode: number | undefined;
  /** Client side: the reason the close frame gave ('' when none, as with 1006). */
  readonly closeReason: string | undefined;
  /**
   * Client side, for an `error` frame: the server's code as sent, also when this client does not
   * know it (then `code` is `server_error`).
   */
  readonly serverCode: string | undefined;
  /**
   * Client side, for an `error` frame: the server's message as sent, without our prefix: the
   * text your `onMutate` threw, for the app to show.
   */
  readonly serverMessage: string | undefined;

  constructor(
    code: StateSyncWebSocketErrorCode,
    message: string,
    options: {
      cause?: unknown;
      topic?: string;
      closeCode?: number;
      closeReason?: string;
      serverCode?: string;
      serverMessage?: string;
    } = {},
  ) {
    super(`[state-sync/websocket] ${message}`, { cause: options.cause });
    this.code = code;
    this.topic = options.topic;
    this.closeCode = options.closeCode;
    this.closeReason = options.closeReason;
    this.serverCode = options.serverCode;
    this.serverMessage = options.serverMessage;
  }
}

export function isStateSyncWebSocketError(value: unknown): value is StateSyncWebSocketError {
  return value instanceof StateSyncWebSocketError;
}
