// The HTTP side of a connection: which upgrade requests become WebSockets (path, shutdown,
// Origin) and how the others are refused.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { StateSyncWebSocketError } from './errors';
import type { ServerContext } from './server-context';

export interface UpgradeHandlerOptions<P> {
  context: ServerContext<P>;
  wss: WebSocketServer;
  /** True when the http server is ours: then we answer requests for other paths with 404. */
  own: boolean;
  isClosing(): boolean;
  accept(ws: WebSocket, request: IncomingMessage): void;
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export function createUpgradeHandler<P>({
  context,
  wss,
  own,
  isClosing,
  accept,
}: UpgradeHandlerOptions<P>): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { options, metrics } = context;

  function originAllowed(origin: string | undefined): boolean {
    const { allowedOrigins } = options;
    if (allowedOrigins === undefined) return true;
    if (typeof allowedOrigins === 'function') return allowedOrigins(origin) === true;
    return origin !== undefined && allowedOrigins.includes(origin);
  }

  return (request, socket, head) => {
    if (options.path !== undefined) {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (pathname !== options.path) {
        if (own) refuse(socket, '404 Not Found'); // else another upgrade listener may own it
        return;
      }
    }
    if (isClosing()) {
      refuse(socket, '503 Service Unavailable');
      return;
    }
    if (!originAllowed(request.headers.origin)) {
      metrics.rejected++;
      context.report(
        new StateSyncWebSocketError(
          'forbidden',
          `origin ${JSON.stringify(request.headers.origin ?? null)} is not allowed`,
        ),
      );
      refuse(socket, '403 Forbidden');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  };
}
