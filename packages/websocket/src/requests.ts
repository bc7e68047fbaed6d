// What an authenticated connection asks for: subscribe / unsubscribe, `get` (a snapshot) and
// `mutate` (a mutator through server-writes.ts, or a free-form op through onMutate), each checked
// against `authorize` per topic.
import { isRevision, isStateSyncError } from '@state-sync/core';
import type { Authentication } from './authentication';
import { type Connection, rawMessage } from './connection';
import { StateSyncWebSocketError } from './errors';
import type { ClientMessage, GetMessage, MutateMessage } from './protocol';
import type { ServerContext } from './server-context';
import type { ServerWrites } from './server-writes';
import type { Snapshot, TopicRegistry } from './topic-registry';

export interface Requests<P> {
  /** Handles one valid message of `conn` (authenticating it first if needed). */
  handle(conn: Connection<P>, message: ClientMessage): Promise<void>;
}

export function createRequests<P>(
  context: ServerContext<P>,
  registry: TopicRegistry<P>,
  authentication: Authentication<P>,
  writes?: ServerWrites<P>,
): Requests<P> {
  const { options, metrics } = context;
  const { source, authorize, onMutate } = options;

  async function allowed(conn: Connection<P>, topic: string): Promise<boolean> {
    if (!authorize) return true;
    try {
      return (await authorize(conn.principal as P, topic)) === true;
    } catch (cause) {
      context.report(
        new StateSyncWebSocketError('forbidden', `authorize threw for "${topic}": refused`, {
          cause,
          topic,
        }),
      );
      return false;
    }
  }

  async function subscribe(conn: Connection<P>, topics: readonly string[]): Promise<void> {
    const refused: string[] = [];
    for (const topic of topics) {
      if (conn.topics.has(topic)) continue;
      if (conn.topics.size >= options.maxTopicsPerConnection) {
        refused.push(topic); // checked before authorize: a flood costs no authorize call
        continue;
      }
      if (!(await allowed(conn, topic))) {
        conn.sendError('forbidden', `topic "${topic}" is not allowed`, { topic });
        continue;
      }
      if (conn.closed) return;
      conn.topics.add(topic);
      registry.watch(topic, conn);
    }
    if (refused.length === 0) return;
    metrics.topicsRefused += refused.length;
    // One error per message, not per topic: a flood must not multiply our replies.
    conn.sendError(
      'too_many_topics',
      `${refused.length} topic(s) refused, first "${refused[0]}": this connection is at maxTopicsPerConnection (${options.maxTopicsPerConnection}); unsubscribe first`,
      { topic: refused[0] },
    );
  }

  async function get(
    conn: Connection<P>,
    { id, topic, since, clientId }: GetMessage,
  ): Promise<void> {
    if (!(await allowed(conn, topic)))
      return conn.sendError('forbidden', `topic "${topic}" is not allowed`, { id, topic });
    // A write-path client: the snapshot carries its last applied seq, read with the data.
    let read: ((topic: string) => Promise<Snapshot>) | undefined;
    if (writes && clientId !== undefined) read = (name) => writes.snapshot(conn, name, clientId);
    // One snapshot at a time per connection, each sent once its backlog is under the bound: a
    // client pulling many large states holds at most one of them in server memory.
    const resume = since && conn.features.includes('resume') ? since : undefined;
    const turn = conn.snapshotLane.then(() => sendSnapshot(conn, id, topic, resume, read));
    conn.snapshotLane = turn;
    return turn;
  }

  async function sendSnapshot(
    conn: Connection<P>,
    id: string,
    topic: string,
    since: { epoch: string; revision: string } | undefined,
    read: ((topic: string) => Promise<Snapshot>) | undefined,
  ): Promise<void> {
    if (!(await conn.writable())) return;
    try {
      const frame =
        (since && (await registry.resumeFrame(id, topic, since))) ??
        (await registry.snapshotFrame(id, topic, read));
      if (conn.send(frame)) metrics.snapshotsSent++;
    } catch (cause) {
      context.report(
        new StateSyncWebSocketError('internal', `reading "${topic}" from the source failed`, {
          cause,
          topic,
        }),
      );
      conn.sendError('internal', `reading "${topic}" failed`, { id, topic });
    }
  }

  async function mutate(conn: Connection<P>, message: MutateMessage): Promise<void> {
    const { id, topic, op, baseRevision } = message;
    const typed = message.name !== undefined;
    if (typed ? !writes : !onMutate)
      return conn.sendError(
        'unsupported',
        typed
          ? 'this server has no mutators (createSyncServer({ mutators }))'
          : 'this server accepts no mutate op (no onMutate)',
        { id, topic },
      );
    if (!(await allowed(conn, topic)))
      return conn.sendError('forbidden', `topic "${topic}" is not allowed`, { id, topic });
    if (typed) return writes?.apply(conn, message);
    if (!onMutate) return;
    try {
      const result = await onMutate({
        principal: conn.principal as P,
        topic,
        op,
        baseRevision,
        source,
      });
      const revision = (result as { revision?: unknown } | undefined)?.revision;
      conn.send(
        JSON.stringify(isRevision(revision) ? { type: 'ack', id, revision } : { type: 'ack', id }),
      );
    } catch (cause) {
      if (cause instanceof StateSyncWebSocketError)
        return conn.sendError(cause.code, rawMessage(cause), { id, topic });
      // A compare-and-set write (`ifRevision`) that lost: the client's view was stale.
      if (isStateSyncError(cause) && cause.code === 'conflict')
        return conn.sendError('conflict', `"${topic}" changed meanwhile: pull and try again`, {
          id,
          topic,
        });
      context.report(
        new StateSyncWebSocketError('internal', `onMutate threw for "${topic}"`, { cause, topic }),
      );
      conn.sendError('internal', 'mutation failed', { id, topic });
    }
  }

  return {
    async handle(conn, message) {
      if (conn.closed) return;
      if (!(await authentication.admit(conn, message))) return;
      switch (message.type) {
        case 'auth':
          return; // already authenticated: re-auth is not supported, reconnect instead
        case 'subscribe':
          return subscribe(conn, message.topics);
        case 'unsubscribe':
          for (const topic of message.topics) {
            if (conn.topics.delete(topic)) registry.unwatch(topic, conn);
          }
          return;
        case 'get':
          return get(conn, message);
        case 'mutate':
          return mutate(conn, message);
      }
    },
  };
}
