// Every inbound frame of a connection: size and rate limits, parsing, then the connection's queue.
import type { Connection } from './connection';
import { StateSyncWebSocketError } from './errors';
import { frameBytes, takeToken } from './limits';
import { clientMessageSchemas, type FrameProblem, parseFrame } from './protocol';
import type { Requests } from './requests';
import type { ServerContext } from './server-context';

/**
 * The wire code and request id for a refused frame: a topic that breaks the topic rule is
 * `invalid_topic`, anything else `bad_request`; a request refused for its content still gets its
 * id back, so its sender fails it at once instead of waiting for a timeout.
 */
export function describeRefusal(problem: FrameProblem): {
  code: 'bad_request' | 'invalid_topic';
  id: string | undefined;
} {
  const requestId = (problem.value as { id?: unknown } | undefined)?.id;
  const id =
    typeof requestId === 'string' && requestId.length >= 1 && requestId.length <= 64
      ? requestId
      : undefined;
  const path = problem.issue?.path ?? [];
  // Only our rule's own issues (`custom`): a missing or non-string topic is a plain bad_request.
  const topicRule =
    problem.issue?.code === 'custom' &&
    (path[0] === 'topic' || (path[0] === 'topics' && path.length === 2));
  return { code: topicRule ? 'invalid_topic' : 'bad_request', id };
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
    conn.chain = conn.chain
      .then(() => requests.handle(conn, parsed.message))
      .catch((cause) => {
        context.report(
          new StateSyncWebSocketError('internal', 'handling a message failed', { cause }),
        );
      });
  };
}
