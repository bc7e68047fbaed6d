export type PiniaSyncErrorCode = 'invalid_argument' | 'invalid_snapshot';

/** The one error class of @state-sync/pinia. Assert on `code`, never on message text. */
export class PiniaSyncError extends Error {
  override readonly name = 'PiniaSyncError';
  readonly code: PiniaSyncErrorCode;

  constructor(code: PiniaSyncErrorCode, message: string) {
    super(`[state-sync/pinia] ${message}`);
    this.code = code;
  }
}
