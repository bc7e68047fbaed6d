// The write path on the server: a `mutate` naming a mutator (`name`, `args`, `clientId`, `seq`)
// runs core's createMutationHandler (args validated, compare-and-set on the source, applied
// exactly once per (clientId, seq)) and is answered by `ack`, or by `error` with the mutator's own
// code and message and `rejected: true`. Anything else (a store outage) is `unavailable`: the
// client resends the same seq later, which the exactly-once check makes safe.
import {
  createMutationHandler,
  isStateSyncError,
  type MutationHandler,
  MutationRejected,
  type MutationRequest,
  type MutationSnapshot,
  type MutatorsByTopic,
  type Source,
  scopedClientId,
} from '@state-sync/core';
import type { Connection } from './connection';
import { StateSyncWebSocketError } from './errors';
import type { MutateMessage } from './protocol';
import type { ServerContext } from './server-context';

export interface ServerWrites<P> {
  /** Applies one authorised mutator `mutate` of `conn` and answers it. */
  apply(conn: Connection<P>, message: MutateMessage): Promise<void>;
  /**
   * The state of `topic` with the last processed seq of `conn`'s `clientId` (within its
   * principal's `clientScope`), read consistently; `conn` then gets that client's marks.
   */
  snapshot(
    conn: Connection<P>,
    topic: string,
    clientId: string,
  ): Promise<MutationSnapshot<unknown>>;
  /**
   * Fails fast, before the server listens, when the source's store cannot record mutations (one
   * read of an unknown client); any other failure of that read is left for the writes to meet.
   */
  check(): Promise<void>;
}

/** The wire bounds of `error.code` and `error.message` (longer ones would fail the client's check). */
const clipTo = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max));

export function createServerWrites<P>(
  context: ServerContext<P>,
  source: Source,
  mutators: MutatorsByTopic,
): ServerWrites<P> {
  const { metrics } = context;
  let handler: MutationHandler;
  try {
    handler = createMutationHandler({ source, mutators });
  } catch (cause) {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'options.mutators needs a source whose store records client mutations (memory, SQLite, Redis): writes must apply exactly once',
      { cause },
    );
  }

  const scopeOf = (conn: Connection<P>) => context.options.clientScope?.(conn.principal as P);
  return {
    async apply(conn, message) {
      const { id, topic, name, args, clientId, seq } = message;
      try {
        const scope = scopeOf(conn);
        // The connection carries this client's mutations: its invalidations get the client's
        // mark, matched by the store's key (scope and id).
        if (clientId !== undefined) conn.clientId = scopedClientId(scope, clientId);
        const request = { topic, name, args, clientId, seq, scope } as MutationRequest;
        const ack = await handler.apply(request);
        if (ack.duplicate) metrics.mutationsDuplicate++;
        else metrics.mutationsApplied++;
        conn.send(JSON.stringify({ type: 'ack', id, ...ack }));
      } catch (error) {
        if (error instanceof MutationRejected) {
          metrics.mutationsRejected++;
          conn.send(
            JSON.stringify({
              type: 'error',
              id,
              topic,
              code: clipTo(error.code, 64),
              message: clipTo(error.message, 4096),
              rejected: true,
            }),
          );
          return;
        }
        metrics.mutationsFailed++;
        context.report(
          new StateSyncWebSocketError(
            'unavailable',
            `mutation "${String(name)}" on "${topic}" failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error, topic },
          ),
        );
        // The detail stays here (it may name the store); the client resends the same seq later.
        conn.sendError(
          'unavailable',
          `mutation "${String(name)}" could not be applied now: try again`,
          {
            id,
            topic,
          },
        );
      }
    },
    async snapshot(conn, topic, clientId) {
      const scope = scopeOf(conn);
      conn.clientId = scopedClientId(scope, clientId);
      return handler.snapshot(topic, clientId, scope);
    },
    async check() {
      try {
        await source.lastMutation?.('state-sync:startup-check');
      } catch (cause) {
        if (!isStateSyncError(cause) || cause.code !== 'unsupported') return;
        throw new StateSyncWebSocketError(
          'invalid_argument',
          'options.mutators needs a source whose store records client mutations (memory, SQLite, Redis): writes must apply exactly once',
          { cause },
        );
      }
    },
  };
}
