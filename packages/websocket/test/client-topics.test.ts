// The topic-name rule on the client (protocol.ts, shared with the server): names that cannot be
// safe object keys (`__proto__`, `constructor`, `prototype`), blank or over-long names are refused
// before anything is sent, and a beacon naming one is refused clearly, never dropped silently.
import { describe, expect, it } from 'vitest';
import { isStateSyncWebSocketError } from '../src/index';
import { listen, setup, track, useFakeClientTimers } from './client-helpers';

useFakeClientTimers();

const refused = ['__proto__', 'constructor', 'prototype', '', '   ', 'x'.repeat(257)];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isStateSyncWebSocketError(error) ? error.code : 'not a StateSyncWebSocketError';
  }
  return undefined;
}

describe('topic names', () => {
  it.each(
    refused.map((t) => [t.length > 20 ? `${t.slice(0, 5)}… (${t.length})` : JSON.stringify(t), t]),
  )(
    'refuses %s with invalid_topic in subscriber, provider, sync and mutate, sending nothing',
    async (_name, topic) => {
      const s = track(setup());
      s.last().accept();
      expect(codeOf(() => s.client.subscriber(topic))).toBe('invalid_topic');
      expect(codeOf(() => s.client.provider(topic))).toBe('invalid_topic');
      expect(codeOf(() => s.client.sync(topic, { applier: () => {} }))).toBe('invalid_topic');
      await expect(s.client.mutateOp(topic, {})).rejects.toMatchObject({ code: 'invalid_topic' });
      expect(s.last().sent.map((m) => m.type)).toEqual(['auth']);
    },
  );

  it('a beacon naming __proto__ is refused as invalid_message, not silently shortened', async () => {
    const s = track(setup());
    const a = await listen(s, 'a');
    s.last().accept();
    s.last().receive('{"type":"beacon","revisions":{"__proto__":"5","a":"7"},"epoch":"e1"}');
    expect(s.errors.map((e) => e.code)).toEqual(['invalid_message']);
    expect(s.client.getMetrics().invalidFrames).toBe(1);
    expect(a.events).toEqual([]);
  });
});
