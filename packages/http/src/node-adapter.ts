// `toNodeListener(handler)`: a Fetch API handler as a `node:http` request listener, for
// `http.createServer`, Express (`app.use`) and Fastify (`reply.hijack()`). The response body is
// written with backpressure (we read the next chunk only once the socket drained), so a slow
// reader's backlog stays in the handler's stream where the slow-consumer rule can see it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StateSyncHttpError } from './errors';

export interface NodeListenerOptions {
  /** Errors of the adapter itself (a handler that threw, a socket error). */
  onError?: (error: StateSyncHttpError) => void;
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const protocol = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const url = new URL(req.url ?? '/', `${protocol}://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const body = hasBody
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          req.on('data', (chunk: Buffer) => {
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 1) <= 0) req.pause();
          });
          req.on('end', () => controller.close());
          req.on('error', (error) => controller.error(error));
        },
        pull() {
          req.resume();
        },
        cancel() {
          req.destroy();
        },
      })
    : null;
  return new Request(url, {
    method,
    headers,
    body,
    signal,
    ...(body ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function writeBody(
  body: ReadableStream<Uint8Array>,
  res: ServerResponse,
  closed: Promise<void>,
): Promise<void> {
  const reader = body.getReader();
  let gone = false;
  void closed.then(() => {
    gone = true;
    void reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!res.write(value)) {
        await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
      }
    }
  } finally {
    if (!gone) res.end();
  }
}

export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const report = (error: StateSyncHttpError) => {
    try {
      options.onError?.(error);
    } catch {
      // a throwing onError must not break the server
    }
  };
  return (req, res) => {
    const abort = new AbortController();
    const closed = new Promise<void>((resolve) => {
      res.once('close', () => {
        // Only a response cut short is an abort (the client went away); a finished one is not.
        if (!res.writableFinished) abort.abort();
        resolve();
      });
    });
    void (async () => {
      let response: Response;
      try {
        response = await handler(toRequest(req, abort.signal));
      } catch (cause) {
        report(new StateSyncHttpError('internal', 'the handler threw', { cause }));
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
        return;
      }
      const headers: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') headers[name] = value;
      });
      const cookies = response.headers.getSetCookie?.() ?? [];
      if (cookies.length > 0) headers['set-cookie'] = cookies;
      if (!response.body) {
        res.writeHead(response.status, headers).end();
        return;
      }
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
        // A whole answer (snapshot, error, ack) goes out in one write with its length: headers,
        // body and end in separate small writes would meet Nagle and delayed ACKs (40 ms each).
        const body = new Uint8Array(await response.arrayBuffer());
        headers['content-length'] = String(body.byteLength);
        res.writeHead(response.status, headers).end(body);
        return;
      }
      res.writeHead(response.status, headers);
      res.socket?.setNoDelay(true);
      res.flushHeaders();
      await writeBody(response.body, res, closed);
    })().catch((cause) => {
      report(new StateSyncHttpError('internal', 'writing a response failed', { cause }));
      res.destroy();
    });
  };
}
