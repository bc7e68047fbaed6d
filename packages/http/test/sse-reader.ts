// Reads an event stream response in tests: frames as parsed JSON (with their id), comments counted.
import { createParser } from 'eventsource-parser';

export interface SseReader {
  frames: Array<{ id: string | undefined; message: Record<string, unknown> }>;
  comments: number;
  /** Resolves with the first frame (already received or to come) that matches. */
  next(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  ended: Promise<void>;
  cancel(): Promise<void>;
}

export function readSse(response: Response): SseReader {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const waiters: Array<{
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }> = [];
  const state: SseReader = {
    frames: [],
    comments: 0,
    next(match) {
      const found = state.frames.find((frame) => match(frame.message));
      if (found) return Promise.resolve(found.message);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    ended: Promise.resolve(),
    cancel: () => reader.cancel(),
  };
  const parser = createParser({
    onEvent(event) {
      const message = JSON.parse(event.data) as Record<string, unknown>;
      state.frames.push({ id: event.id, message });
      for (const waiter of [...waiters]) {
        if (waiter.match(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    },
    onComment() {
      state.comments++;
    },
  });
  state.ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // cancelled
    }
  })();
  return state;
}
