// The client's own frame limit (maxPayloadBytes): passed to the implementation, and a frame over it
// is reported as too_large (1009), with the next attempt after maxDelayMs rather than at once.
import { describe, expect, it, vi } from 'vitest';
import { setup, track, useFakeClientTimers } from './client-helpers';

useFakeClientTimers();

describe('maxPayloadBytes', () => {
  it('is handed to the WebSocket implementation as maxPayload (ws in Node)', () => {
    const limited = track(setup({ maxPayloadBytes: 1_000_000 }));
    expect(limited.last().options).toEqual({ maxPayload: 1_000_000 });
    const unlimited = track(setup());
    expect(unlimited.last().options).toBeUndefined();
  });

  it('a frame over the limit is reported as too_large with close code 1009, and the next attempt waits maxDelayMs', async () => {
    const s = track(setup({ maxPayloadBytes: 1000 }));
    s.last().accept();
    // What `ws` does: an error event naming the cause, then a close without a close frame.
    s.last().fail({ error: { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } });
    s.last().drop(1006, '');
    expect(s.errors.map((e) => [e.code, e.closeCode])).toEqual([['too_large', 1009]]);
    expect(s.errors[0]!.message).toContain('maxPayloadBytes');
    await vi.advanceTimersByTimeAsync(999); // baseDelayMs is 100, maxDelayMs 1000
    expect(s.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.sockets).toHaveLength(2);
  });

  it.each([
    [1009, 'message too big', 'too_large'],
    [1013, 'server full', 'too_many_connections'],
  ])(
    'a %i close from the server is reported and the next attempt waits maxDelayMs',
    async (code, reason, expected) => {
      const s = track(setup());
      s.last().open();
      s.last().drop(code, reason);
      expect(s.errors.map((e) => [e.code, e.closeCode, e.closeReason])).toEqual([
        [expected, code, reason],
      ]);
      await vi.advanceTimersByTimeAsync(999);
      expect(s.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.sockets).toHaveLength(2);
    },
  );
});
