// A scriptable WebSocket for client unit tests under fake timers: the test plays the server.
import type { WebSocketConstructor } from '../src/index';

export interface FakeSocket {
  readonly url: string;
  /** The third constructor argument (`ws`'s options). */
  readonly options?: unknown;
  readyState: number;
  /** Parsed frames the client sent, in order. */
  readonly sent: Array<Record<string, unknown>>;
  readonly closeCalls: Array<[number | undefined, string | undefined]>;
  /** The client's frame handler; null once the client detached it. */
  readonly onmessage: ((event: { data: unknown }) => void) | null;
  /** The handshake completes. */
  open(): void;
  /** A frame from the server (objects are JSON-encoded). */
  receive(message: unknown): void;
  /** A raw `data` value, e.g. a binary one. */
  receiveData(data: unknown): void;
  /** The server (or the network) closes the socket. */
  drop(code?: number, reason?: string): void;
  /** An error event (the implementation's own), before the close that follows it. */
  fail(event: unknown): void;
  /** open() + a hello. */
  accept(hello?: { epoch?: string; heartbeatMs?: number }): void;
  sentOfType(type: string): Array<Record<string, unknown>>;
}

export function fakeWebSocket(): {
  WebSocket: WebSocketConstructor;
  sockets: FakeSocket[];
  last(): FakeSocket;
} {
  const sockets: FakeSocket[] = [];
  class Fake implements FakeSocket {
    readyState = 0;
    readonly sent: Array<Record<string, unknown>> = [];
    readonly closeCalls: Array<[number | undefined, string | undefined]> = [];
    onopen: (() => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code?: number; reason?: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    constructor(
      readonly url: string,
      _protocols?: unknown,
      readonly options?: unknown,
    ) {
      sockets.push(this);
    }
    send(data: string): void {
      if (this.readyState !== 1)
        throw new Error('InvalidStateError: send on a socket that is not open');
      this.sent.push(JSON.parse(data));
    }
    close(code?: number, reason?: string): void {
      this.closeCalls.push([code, reason]);
      if (this.readyState === 3) return;
      this.readyState = 3;
      queueMicrotask(() => this.onclose?.({ code: code ?? 1005, reason: reason ?? '' }));
    }
    open(): void {
      this.readyState = 1;
      this.onopen?.();
    }
    receive(message: unknown): void {
      this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
    }
    receiveData(data: unknown): void {
      this.onmessage?.({ data });
    }
    drop(code = 1006, reason = ''): void {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
    fail(event: unknown): void {
      this.onerror?.(event);
    }
    accept(hello: { epoch?: string; heartbeatMs?: number } = {}): void {
      this.open();
      this.receive({
        type: 'hello',
        protocol: 1,
        epoch: hello.epoch ?? 'e1',
        heartbeatMs: hello.heartbeatMs ?? 30_000,
      });
    }
    sentOfType(type: string): Array<Record<string, unknown>> {
      return this.sent.filter((message) => message.type === type);
    }
  }
  return {
    WebSocket: Fake as unknown as WebSocketConstructor,
    sockets,
    last: () => {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}
