// Error frames from the server reach the app with the server's own code and message in fields it
// can show (issue 9 §3), not only inside our prefixed `message`.
import { describe, expect, it } from 'vitest';
import { listen, setup, track, useFakeClientTimers } from './client-helpers';

useFakeClientTimers();

describe('server errors', () => {
  it("a refused mutate rejects with the server's code and raw message in serverCode / serverMessage", async () => {
    const s = track(setup());
    s.last().accept();
    const refused = s.client.mutateOp('board', { type: 'move' });
    const [sent] = s.last().sentOfType('mutate');
    s.last().receive({
      type: 'error',
      id: sent!.id,
      topic: 'board',
      code: 'conflict',
      message: 'Someone else moved this card first',
    });
    await expect(refused).rejects.toMatchObject({
      code: 'conflict',
      topic: 'board',
      serverCode: 'conflict',
      serverMessage: 'Someone else moved this card first',
    });
    expect(s.errors[0]).toMatchObject({ serverMessage: 'Someone else moved this card first' });
  });

  it('keeps an unknown server code in serverCode while code is server_error', async () => {
    const s = track(setup());
    s.last().accept();
    const odd = s.client.mutateOp('board', {});
    s.last().receive({
      type: 'error',
      id: s.last().sentOfType('mutate')[0]!.id,
      code: 'quota_exceeded',
      message: 'You have used your 100 moves for today',
    });
    await expect(odd).rejects.toMatchObject({
      code: 'server_error',
      serverCode: 'quota_exceeded',
      serverMessage: 'You have used your 100 moves for today',
    });
  });

  it('an error without a request (a refused subscribe) reaches onError with the same fields', async () => {
    const s = track(setup());
    await listen(s, 'secret');
    s.last().accept();
    s.last().receive({ type: 'error', topic: 'secret', code: 'forbidden', message: 'not yours' });
    expect(s.errors).toMatchObject([
      { code: 'forbidden', topic: 'secret', serverCode: 'forbidden', serverMessage: 'not yours' },
    ]);
  });
});
