// The clients of each stack the WebSocket benchmark compares: state-sync, raw ws broadcast (and
// `rawkeep`, whose clients keep the state they parsed), socket.io, and `validated` (our frames on a
// bare ws client). Every ws client counts the bytes it receives.
import {
  PROTOCOL_FEATURES,
  PROTOCOL_VERSION,
  parseFrame,
  serverFrameChecks,
  serverMessageSchemas,
} from '@state-sync/protocol';
import { createSyncClient, type SyncClient } from '@state-sync/websocket';
import { io, type Socket } from 'socket.io-client';
import { type ClientOptions, WebSocket } from 'ws';
import { handleClient } from './harness';
import type { BenchData } from './payload';

export type Kind = 'ours' | 'validated' | 'raw' | 'rawkeep' | 'socketio';

/** A client of one stack: connects, reports each applied `seq` through `onApplied`. */
export interface BenchClient {
  ready: Promise<void>;
  close(): Promise<void> | void;
}

/** Bytes of every frame the clients of this process received (all stacks on `ws`). */
let bytesReceived = 0;
export const received = () => bytesReceived;
class CountingWebSocket extends WebSocket {
  constructor(address: string, options?: ClientOptions) {
    super(address, options);
    this.on('message', (data: Buffer) => {
      bytesReceived += data.length;
    });
  }
}

export function connectClient(
  kind: Kind,
  port: number,
  onApplied: (seq: number) => void,
): BenchClient {
  const url = `ws://127.0.0.1:${port}`;
  if (kind === 'ours') {
    const client: SyncClient = createSyncClient({
      url,
      WebSocket: CountingWebSocket as never,
      browserEvents: false,
      requestTimeoutMs: 60_000,
    });
    const handle = client.sync<BenchData>('bench', { applier: ({ data }) => onApplied(data.seq) });
    return handleClient(handle, client);
  }
  if (kind === 'validated') {
    // The floor under any client of our wire protocol: the same socket, each frame parsed and
    // checked as our client does (parseFrame with the invalidate fast check), the state handed
    // to the app. No pushed-state store, no engine: what `ours` costs above this is that path.
    const ws = new CountingWebSocket(url, { perMessageDeflate: false });
    let hello: () => void;
    const ready = new Promise<void>((resolve, reject) => {
      hello = resolve;
      ws.once('error', reject);
    });
    ws.once('open', () => {
      const features = [...PROTOCOL_FEATURES];
      ws.send(JSON.stringify({ type: 'auth', protocol: PROTOCOL_VERSION, features }));
      ws.send(JSON.stringify({ type: 'subscribe', topics: ['bench'] }));
    });
    ws.on('message', (data) => {
      const parsed = parseFrame(serverMessageSchemas, String(data), serverFrameChecks);
      if (!parsed.ok) return;
      const { message } = parsed;
      if (message.type === 'hello') hello();
      else if (message.type === 'invalidate' && 'data' in message)
        onApplied((message.data as BenchData).seq);
    });
    return { ready, close: () => ws.terminate() };
  }
  if (kind === 'raw' || kind === 'rawkeep') {
    const ws = new CountingWebSocket(url, { perMessageDeflate: false });
    if (kind === 'raw')
      ws.on('message', (data) => onApplied((JSON.parse(data.toString()) as BenchData).seq));
    else {
      // Keeps the state it parsed until the next one, as an app (and every state-sync client)
      // does: the garbage collector then copies each client's live state, as it does for ours.
      let state: BenchData | undefined;
      ws.on('message', (data) => {
        state = JSON.parse(data.toString()) as BenchData;
        onApplied(state.seq);
      });
    }
    return {
      ready: new Promise((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      close: () => ws.terminate(),
    };
  }
  const socket: Socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  socket.on('snapshot', (data: BenchData) => onApplied(data.seq));
  return {
    ready: new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    }),
    close: () => {
      socket.disconnect();
    },
  };
}

export const LABELS: Record<Kind, string> = {
  ours: 'state-sync (invalidate carrying the change → apply; push on)',
  raw: 'raw ws broadcast of the same bytes',
  rawkeep: 'raw ws broadcast, each client keeping the state it parsed',
  validated: 'our frames on a bare ws client: parse + frame checks → app (no engine)',
  socketio: 'socket.io broadcast (io.emit)',
};
