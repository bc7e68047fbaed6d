// An SSE response the test writes to by hand, for the client tests' scripted fetch: `push` sends
// text down the event stream, `end` closes it, and aborting the request errors the body as a
// real fetch does.

export interface ScriptedStream {
  url: string;
  headers: Headers;
  push(text: string): void;
  end(): void;
}

export function scriptedStream(
  url: string,
  init?: RequestInit,
): { stream: ScriptedStream; response: Response } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  init?.signal?.addEventListener('abort', () => {
    try {
      controller.error(new DOMException('aborted', 'AbortError'));
    } catch {}
  });
  const stream: ScriptedStream = {
    url,
    headers: new Headers(init?.headers),
    push: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
  const response = new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  return { stream, response };
}
