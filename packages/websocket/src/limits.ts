// Per-connection limits on what a peer sends: message size and rate (a token bucket).
import type { Connection } from './connection';
import type { ResolvedServerOptions } from './server-options';

/** The byte length of an inbound frame as `ws` hands it over. */
export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): number {
  return Array.isArray(data)
    ? data.reduce((sum, part) => sum + part.byteLength, 0)
    : data.byteLength;
}

/** Token bucket, refilled lazily: no timer per connection. False when the message must be dropped. */
export function takeToken<P>(
  conn: Connection<P>,
  rate: ResolvedServerOptions<P>['rate'],
  now: number,
): boolean {
  if (!rate) return true;
  conn.tokens = Math.min(
    rate.burst,
    conn.tokens + ((now - conn.refilledAt) / 1000) * rate.perSecond,
  );
  conn.refilledAt = now;
  if (conn.tokens < 1) return false;
  conn.tokens -= 1;
  return true;
}
