// Every drop reaches onError with its close code and reason (issue 8, finding 4): a scripted socket
// under fake timers.
import { describe, expect, it, vi } from 'vitest';
import { listen, setup, track, useFakeClientTimers } from './client-helpers';

useFakeClientTimers();

const seen = (s: ReturnType<typeof setup>) =>
  s.errors.map((e) => ({ code: e.code, closeCode: e.closeCode, closeReason: e.closeReason }));

describe('drops reach onError', () => {
  it('reports an abnormal close (1006, no close frame) as disconnected with its code', async () => {
    const s = track(setup());
    s.last().accept();
    s.last().drop(1006, '');
    expect(seen(s)).toEqual([{ code: 'disconnected', closeCode: 1006, closeReason: '' }]);
    expect(s.client.status()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    s.last().accept();
    await s.client.close(); // the close it asked for is not a drop
    expect(s.errors).toHaveLength(1);
  });

  it('reports every close the server sends, with its code and reason', async () => {
    const s = track(setup());
    const drops: Array<[number, string]> = [
      [1001, 'server shutting down'],
      [1011, 'internal error'],
      [1000, ''],
      [4401, 'bad token'],
      [1009, 'message too big'],
    ];
    for (const [code, reason] of drops) {
      s.last().accept();
      s.last().drop(code, reason);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(seen(s)).toEqual([
      { code: 'disconnected', closeCode: 1001, closeReason: 'server shutting down' },
      { code: 'disconnected', closeCode: 1011, closeReason: 'internal error' },
      { code: 'disconnected', closeCode: 1000, closeReason: '' },
      { code: 'unauthorized', closeCode: 4401, closeReason: 'bad token' },
      { code: 'too_large', closeCode: 1009, closeReason: 'message too big' },
    ]);
    expect(s.client.getMetrics().errors).toBe(5);
  });

  it('reports a socket that never opened (connection refused arrives as 1006)', async () => {
    const s = track(setup());
    s.last().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    s.last().drop(1006);
    expect(seen(s)).toEqual([
      { code: 'disconnected', closeCode: 1006, closeReason: '' },
      { code: 'disconnected', closeCode: 1006, closeReason: '' },
    ]);
  });

  it('reports the drop of a socket that went silent while the page was hidden', async () => {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    const s = track(setup({ browserEvents: true }));
    await listen(s, 'a');
    s.last().accept({ heartbeatMs: 1000 });
    vi.setSystemTime(Date.now() + 5000); // the dead timer was throttled and never fired
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(s.last().closeCalls).toEqual([[4000, 'silent while hidden']]);
    expect(s.errors.map((e) => e.code)).toEqual(['heartbeat_timeout']);
  });
});
