// A text frame framed once for every socket a change goes to. `ws.send` frames its data anew for
// each socket (an options object or two, a header Buffer, then a corked two-part write); the
// fan-out sends the same bytes to thousands, so it builds the WebSocket frame once with ws's own
// `Sender.frame` and hands it to each socket's sender as is (`sendFrame`: one write of one
// Buffer). socket.io's engine.io does the same for its broadcasts (`wsPreEncodedFrame`), as ws's
// author suggested (websockets/ws#617). At 1,000 clients it took the server's CPU per change from
// 1.17× raw ws to 0.88× (bench/results/websocket-2026-12-03l.md).
//
// `sendFrame` is not in ws's typings, so the path is taken only when the socket's sender has it
// and is idle (`_state` 0: not compressing, not reading a Blob, nothing queued ahead); any other
// socket, or another version of ws, gets `ws.send` of the payload: the same frame on the wire.
import type { WebSocket } from 'ws';
import * as wsModule from 'ws';

/** The parts of ws's per-socket sender this uses (ws 8.17 and later). */
type SenderInternals = { _state?: unknown; sendFrame?: (list: Buffer[]) => void };
/** ws's `Sender.frame` (exported by ws, not in its typings): a frame's header and data. */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: object): Buffer[] };
};

/** `ws.send`'s options for a Buffer that holds text: it still goes out as a text frame. */
export const TEXT = { binary: false } as const;
const IDLE = 0;

/** One text frame for many sockets: its payload (the UTF-8 JSON) and, framed, its bytes. */
export class PreparedFrame {
  readonly payload: Buffer;
  /** Payload bytes, as `ws.bufferedAmount` counts them (the backlog's unit). */
  readonly length: number;
  readonly #wire: Buffer;

  constructor(json: string) {
    const data = Buffer.from(json);
    // A server's frames are unmasked; one final text frame, uncompressed (the server turns
    // per-message deflate off).
    const parts = Sender.frame(data, {
      fin: true,
      opcode: 1,
      mask: false,
      readOnly: false,
      rsv1: false,
    });
    this.#wire = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.length = data.length;
    // A view of the frame's tail, not a second copy: the bytes are held once per change.
    this.payload = this.#wire.subarray(this.#wire.length - data.length);
  }

  /** Sends the frame on an open socket (the caller checked), framed once or by `ws.send`. */
  sendTo(ws: WebSocket): void {
    const sender = (ws as unknown as { _sender?: SenderInternals })._sender;
    if (sender?._state === IDLE && typeof sender.sendFrame === 'function')
      sender.sendFrame([this.#wire]);
    else ws.send(this.payload, TEXT);
  }
}
