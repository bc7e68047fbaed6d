// Before a connection is served: the first message goes to `authenticate`, then `hello`. Without
// `authenticate` the connection is greeted at once; with it, it must speak within authTimeoutMs.
import type { Connection } from './connection';
import { StateSyncWebSocketError } from './errors';
import {
  type ClientMessage,
  commonFeatures,
  PROTOCOL_VERSION,
  type ProtocolFeature,
} from './protocol';
import type { ServerContext } from './server-context';
import { CLOSE_CODES } from './server-options';

export interface Authentication<P> {
  /** Called once when a socket is accepted: greets it, or arms its auth timer. */
  begin(conn: Connection<P>): void;
  /**
   * Runs `authenticate` on the connection's first message; resolves true when `message` is still
   * to be handled (the connection is served and the message was not the `auth` itself).
   */
  admit(conn: Connection<P>, message: ClientMessage): Promise<boolean>;
}

export function createAuthentication<P>(context: ServerContext<P>): Authentication<P> {
  const { options } = context;
  const { source, authenticate } = options;
  const serverFeatures: readonly ProtocolFeature[] = options.push
    ? ['delta', 'inline', 'resume']
    : [];

  async function sendHello(conn: Connection<P>): Promise<void> {
    const epoch = await source.getEpoch();
    conn.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        epoch,
        heartbeatMs: options.beaconMs,
        ...(serverFeatures.length > 0 ? { features: serverFeatures } : {}),
      }),
    );
  }

  return {
    begin(conn) {
      if (conn.authed) {
        conn.chain = sendHello(conn).catch((cause) => {
          context.report(
            new StateSyncWebSocketError('internal', 'reading the source epoch failed', { cause }),
          );
          conn.ws.close(CLOSE_CODES.sourceUnavailable, 'source unavailable');
        });
        return;
      }
      conn.authTimer = globalThis.setTimeout(() => {
        if (!conn.authed && !conn.closed)
          conn.reject(
            new StateSyncWebSocketError('unauthorized', 'no auth message in time', {
              closeCode: CLOSE_CODES.authTimeout,
            }),
          );
      }, options.authTimeoutMs);
    },

    async admit(conn, message) {
      // A client announces its features in `auth` (sent first, with or without a token): from
      // then on it gets what both ends understand. An old client announces nothing.
      if (message.type === 'auth')
        conn.features = commonFeatures(serverFeatures as ProtocolFeature[], message.features);
      if (conn.authed) return true;
      try {
        const principal = await authenticate!(
          conn.request,
          message.type === 'auth' ? message : undefined,
        );
        if (conn.closed) return false;
        if (principal === undefined || principal === null || (principal as unknown) === false) {
          throw new StateSyncWebSocketError('unauthorized', 'unauthorized');
        }
        conn.principal = principal;
        conn.authed = true;
        globalThis.clearTimeout(conn.authTimer);
        await sendHello(conn);
      } catch (cause) {
        if (!conn.closed) conn.reject(cause);
        return false;
      }
      return message.type !== 'auth';
    },
  };
}
