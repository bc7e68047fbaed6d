// A bare `ws` client that records every frame, to check exactly what reaches a socket.
import { vi } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';

export interface RawClient {
  readonly ws: WebSocket;
  /** Every frame received, raw. */
  readonly raw: string[];
  /** Per frame received: sent as binary (our server sends text only). */
  readonly binary: boolean[];
  /** Every frame received, parsed. */
  readonly frames: Array<Record<string, unknown>>;
  /** Resolves once open; rejects with the HTTP status if the upgrade is refused. */
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Waits for the first frame matching `predicate`. */
  next(predicate: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  ofType(type: string): Array<Record<string, unknown>>;
}

export function rawClient(url: string, options: ClientOptions = {}): RawClient {
  const ws = new WebSocket(url, options);
  const raw: string[] = [];
  const binary: boolean[] = [];
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data, isBinary) => {
    binary.push(isBinary);
    const text = data.toString();
    raw.push(text);
    frames.push(JSON.parse(text));
  });
  ws.on('error', () => {}); // surfaced through `opened` / `closed`
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return {
    ws,
    raw,
    binary,
    frames,
    opened,
    closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (predicate) =>
      vi.waitFor(
        () => {
          const frame = frames.find(predicate);
          if (!frame) throw new Error('no matching frame yet');
          return frame;
        },
        { timeout: 5000, interval: 5 },
      ),
    ofType: (type) => frames.filter((frame) => frame.type === type),
  };
}
