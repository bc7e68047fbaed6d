// Reads one Server-Sent Events response body, fed through `eventsource-parser` (the SSE grammar
// is that library's job), with a bound on what an unterminated event may make us buffer.
import { createParser } from 'eventsource-parser';

export interface EventStreamHandlers {
  onEvent(data: string, id: string | undefined): void;
  onComment(): void;
  /** An event passed `maxEventBytes`; reading stops. */
  onProblem(problem: string): void;
}

/** Resolves when the body ends (or is cancelled); never rejects on a network error: it ends. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number,
  handlers: EventStreamHandlers,
): Promise<void> {
  let failed = false;
  const parser = createParser({
    onEvent: (event) => handlers.onEvent(event.data, event.id),
    onComment: () => handlers.onComment(),
    onError: (error) => {
      // Unknown fields and bad `retry:` values are ignored, as the SSE spec says; only the
      // buffer bound ends the stream (the parser stops after it).
      if (error.type !== 'max-buffer-size-exceeded') return;
      failed = true;
      handlers.onProblem(
        `an event passed ${maxEventBytes} bytes (maxEventBytes): ${error.message}`,
      );
    },
    maxBufferSize: maxEventBytes,
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (failed) break;
    }
  } catch {
    // a dropped connection or our own abort: the caller decides what it means
  } finally {
    reader.cancel().catch(() => {});
  }
}
