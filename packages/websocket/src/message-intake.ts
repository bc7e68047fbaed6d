// Every inbound frame of a connection: size and rate limits, parsing, then the connection's queue.
import { type Connection, clip } from './connection';
import { StateSyncWebSocketError } from './errors';
import { frameBytes, takeToken } from './limits';
import {
  type ClientMessage,
  clientMessageSchemas,
  type FrameProblem,
  parseFrame,
} from './protocol';
import type { Requests } from './requests';
import type { ServerContext } from './server-context';
import { CLOSE_CODES } from './server-options';

/** The wire code and request id for a refused frame (parseFrame names both). */
export function describeRefusal(problem: FrameProblem | { ok: false; problem: string }): {
  code: 'bad_request' | 'invalid_topic';
  id: string | undefined;
} {
  return 'code' in problem
    ? { code: problem.code, id: problem.id }
    : { code: 'bad_request', id: undefined };
}

export function createMessageIntake<P>(
  context: ServerContext<P>,
  requests: Requests<P>,
): (conn: Connection<P>, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void {
  const { options, metrics } = context;
  const { maxMessageBytes } = options;

  return (conn, data, isBinary) => {
    conn.alive = true;
    if (conn.closed) return;
    const bytes = frameBytes(data);
    if (bytes > maxMessageBytes) {
      metrics.tooLarge++;
      conn.sendError(
        'too_large',
        `message of ${bytes} bytes exceeds maxMessageBytes (${maxMessageBytes})`,
      );
      return;
    }
    const parsed = isBinary
      ? ({ ok: false, problem: 'binary frames are not part of the protocol' } as const)
      : parseFrame(
          clientMessageSchemas,
          Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
        );
    const refused = parsed.ok ? undefined : describeRefusal(parsed);
    const id = parsed.ok ? ('id' in parsed.message ? parsed.message.id : undefined) : refused?.id;
    const now = Date.now();
    if (!takeToken(conn, options.rate, now)) {
      metrics.rateLimited++;
      // Requests get their own answer so they fail fast; the rest one error per second at most.
      if (id !== undefined || now - conn.rateErrorAt >= 1000) {
        if (id === undefined) conn.rateErrorAt = now;
        conn.sendError(
          'rate_limited',
          'too many messages: slow down',
          id === undefined ? {} : { id },
        );
      }
      return;
    }
    if (!parsed.ok) {
      metrics.badMessages++;
      conn.sendError(refused!.code, parsed.problem, id === undefined ? {} : { id });
      return;
    }
    if (!conn.authed && !holdBeforeAuthentication(conn, bytes)) return;
    const message = parsed.message;
    if (!admitInFlight(conn, message, bytes)) return;
    const done = schedule(conn, message, () =>
      requests.handle(conn, message).catch((cause) => {
        context.report(
          new StateSyncWebSocketError('internal', 'handling a message failed', { cause }),
        );
      }),
    );
    void done.finally(() => {
      conn.inFlight--;
      conn.inFlightBytes -= bytes;
    });
  };

  /**
   * Every message waiting or being handled is held in memory (a slow `authorize` or `onMutate`
   * lets them pile up), so their count and bytes are bounded; past either, the message is answered
   * with `too_many_requests` (with its id, or the first topic of a subscribe) and dropped.
   */
  function admitInFlight(conn: Connection<P>, message: ClientMessage, bytes: number): boolean {
    const { maxRequestsInFlight, maxRequestBytesInFlight } = options;
    if (
      conn.inFlight < maxRequestsInFlight &&
      conn.inFlightBytes + bytes <= maxRequestBytesInFlight
    ) {
      conn.inFlight++;
      conn.inFlightBytes += bytes;
      return true;
    }
    metrics.requestsRefused++;
    const extra =
      'id' in message
        ? { id: message.id }
        : 'topics' in message && message.topics[0] !== undefined
          ? { topic: message.topics[0] }
          : {};
    conn.sendError(
      'too_many_requests',
      `${conn.inFlight} messages (${conn.inFlightBytes} bytes) of this connection are still being handled (maxRequestsInFlight ${maxRequestsInFlight}, maxRequestBytesInFlight ${maxRequestBytesInFlight}): wait for their answers`,
      extra,
    );
    return false;
  }

  /**
   * Three lanes, so a slow `mutate` never delays a `get` or a `subscribe` of the same connection:
   * - `auth`, `subscribe`, `unsubscribe` (and every message before authentication) run in order
   *   on `conn.chain`;
   * - a `get` waits only for the chain as it was when the get arrived (a subscribe is in force
   *   before the get that follows it), never for another get or a mutate;
   * - a `mutate` waits for that chain and for the previous mutate of its topic (one topic's
   *   mutates apply in order; other topics' run alongside).
   */
  function schedule(
    conn: Connection<P>,
    message: ClientMessage,
    run: () => Promise<void>,
  ): Promise<void> {
    // Before authentication everything queues in order: the first message authenticates, the
    // others (at most maxPreAuthMessages) must not run before it is done.
    if (!conn.authed || (message.type !== 'get' && message.type !== 'mutate')) {
      conn.chain = conn.chain.then(run);
      return conn.chain;
    }
    if (message.type === 'get') return conn.chain.then(run);
    const { topic } = message;
    conn.mutations ??= new Map();
    const mutations = conn.mutations;
    const previous = mutations.get(topic);
    const done = Promise.all([conn.chain, previous]).then(run);
    mutations.set(topic, done);
    void done.then(() => {
      if (mutations.get(topic) === done) mutations.delete(topic);
    });
    return done;
  }

  /** Counts a message held until `authenticate` is done; closes the connection past the bounds. */
  function holdBeforeAuthentication(conn: Connection<P>, bytes: number): boolean {
    conn.preAuthMessages++;
    conn.preAuthBytes += bytes;
    if (
      conn.preAuthMessages <= options.maxPreAuthMessages &&
      conn.preAuthBytes <= options.maxPreAuthBytes
    )
      return true;
    metrics.preAuthOverflows++;
    const reason = `more than ${options.maxPreAuthMessages} messages or ${options.maxPreAuthBytes} bytes before authentication`;
    context.report(
      new StateSyncWebSocketError('pre_auth_overflow', `closed a connection: ${reason}`),
    );
    conn.closed = true;
    conn.ws.close(CLOSE_CODES.preAuthOverflow, clip(reason));
    return false;
  }
}
