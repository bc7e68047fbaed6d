import { describe, expect, it } from 'vitest';
import { assertArgument, StateSyncError } from '../src/index';

describe('assertArgument', () => {
  it('says what the value is not, when told', () => {
    expect(() => assertArgument(false, 'retryMs', -1, 'a count')).toThrow(
      new StateSyncError('invalid_argument', 'retryMs -1 is not a count'),
    );
  });

  it('names only the label and the value when `what` is empty (the code says the rest)', () => {
    expect(() => assertArgument(false, 'event', 'a b', '', 'bad_event')).toThrow(
      expect.objectContaining({ code: 'bad_event', message: '[state-sync] event "a b"' }),
    );
  });

  it('passes when the condition holds', () => {
    expect(() => assertArgument(true, 'x', 1, 'y')).not.toThrow();
  });
});
