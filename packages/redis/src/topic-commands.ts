// read, write (the Lua compare-and-set) and readSince of one node, on its NodeContext.
import {
  assertRevision,
  compareRevisions,
  type DeltaEntry,
  nextRevision,
  type Revision,
  serializeDelta,
  type TopicRecord,
  type WriteMeta,
} from '@state-sync/core';
import { StateSyncRedisError } from './errors';
import { mutationWriteArgs } from './mutations';
import type { NodeContext } from './node-context';
import { READ_SINCE_SCRIPT, WRITE_SCRIPT } from './scripts';

export interface TopicCommands {
  read<T>(topic: string): Promise<TopicRecord<T> | undefined>;
  write<T>(
    topic: string,
    data: T,
    expected: Revision | undefined,
    meta?: WriteMeta,
  ): Promise<TopicRecord<T> | undefined>;
  readSince(topic: string, epoch: string, revision: Revision): Promise<DeltaEntry[] | undefined>;
}

export function createTopicCommands(context: NodeContext): TopicCommands {
  const { config, keys, metrics, watched, connections } = context;

  async function read<T>(topic: string): Promise<TopicRecord<T> | undefined> {
    checkTopic(topic);
    const [recordEpoch, revision, json] = await connections.run(
      'read',
      (client) => client.hmGet(keys.record(topic), ['e', 'r', 'd']),
      topic,
    );
    if (!revision || !recordEpoch || json == null) {
      watched.seen(topic, '0');
      return undefined;
    }
    if (recordEpoch !== context.epoch()) await context.fetchEpoch();
    // A record of an epoch Redis no longer has: written by a node that had not yet noticed the
    // data loss. It is treated as never written, and the next write replaces it.
    if (recordEpoch !== context.epoch()) return undefined;
    watched.seen(topic, String(revision));
    return { epoch: recordEpoch, revision: String(revision), data: parseData<T>(topic, json) };
  }

  async function write<T>(
    topic: string,
    data: T,
    expected: Revision | undefined,
    meta: WriteMeta = {},
  ): Promise<TopicRecord<T> | undefined> {
    checkTopic(topic);
    if (expected !== undefined) assertRevision(expected, 'expected revision');
    const json = toJson(topic, data);
    const ops = serializeDelta(meta.delta) ?? '';
    const publishDelta = ops !== '' && Buffer.byteLength(ops) <= config.maxPublishDeltaBytes;
    const mutation = mutationWriteArgs(context, meta.mutation);
    // Creating a topic under an epoch Redis lost would hide the loss: check the epoch first.
    const known = context.epoch();
    let epoch = expected === undefined || known === undefined ? await context.fetchEpoch() : known;
    let orphan = '';
    // At most: our epoch was current, the record is an orphan, we replace it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = (await connections.evalScript(
        WRITE_SCRIPT,
        [keys.record(topic), keys.log(topic), ...mutation.keys],
        [
          epoch,
          expected ?? '',
          json,
          ops,
          String(config.maxLogEntries),
          String(config.maxLogBytes),
          keys.channel,
          JSON.stringify(topic),
          JSON.stringify(epoch),
          meta.sourceId === undefined ? '' : JSON.stringify(meta.sourceId),
          publishDelta ? '1' : '0',
          orphan,
          ...mutation.args,
        ],
        topic,
      )) as unknown[];
      const [outcome, value, evicted, clientsEvicted] = reply.map(String);
      if (outcome === 'ok') {
        metrics.writes++;
        metrics.deltasEvicted += Number(evicted) || 0;
        metrics.clientsEvicted += Number(clientsEvicted) || 0;
        watched.announced(topic, value as Revision);
        return { epoch, revision: value as Revision, data: JSON.parse(json) as T };
      }
      if (outcome === 'overflow') {
        throw new StateSyncRedisError(
          'revision_overflow',
          `topic "${topic}" is at the largest revision`,
          { topic },
        );
      }
      // 'seq': the client's recorded seq is not below this mutation's (already processed).
      if (outcome === 'conflict' || outcome === 'seq') break;
      // 'epoch': the record was written under another epoch than ours.
      const current = await context.fetchEpoch();
      // We were behind: the caller re-reads under the current epoch and retries.
      if (current !== epoch) break;
      orphan = value as string;
      epoch = current;
    }
    metrics.conflicts++;
    return undefined;
  }

  async function readSince(topic: string, since: string, revision: Revision) {
    checkTopic(topic);
    assertRevision(revision, 'readSince revision');
    const reply = (await connections.evalScript(
      READ_SINCE_SCRIPT,
      [keys.record(topic), keys.log(topic)],
      [],
      topic,
    )) as unknown[];
    const [recordEpoch, current = '', ...entries] = reply.map(String);
    const epoch = await context.fetchEpoch();
    if (since !== epoch) return undefined;
    // A missing record (or an orphan of a lost epoch) is a topic at revision 0.
    const head = current !== '' && recordEpoch === epoch ? current : '0';
    const order = compareRevisions(revision, head);
    if (order === 0) return [];
    if (order > 0 || head === '0') return undefined;
    // Entries are '<revision> <ops JSON>', oldest first, consecutive, ending at the head.
    const log = entries.map((entry) => {
      const space = entry.indexOf(' ');
      return { revision: entry.slice(0, space), json: entry.slice(space + 1) };
    });
    const first = log[0];
    if (!first || compareRevisions(first.revision, nextRevision(revision)) > 0) return undefined;
    return log
      .filter((entry) => compareRevisions(entry.revision, revision) > 0)
      .map((entry): DeltaEntry => ({ revision: entry.revision, ops: JSON.parse(entry.json) }));
  }

  return { read, write, readSince };
}

function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic === '') {
    throw new StateSyncRedisError('invalid_argument', 'topic must be a non-empty string');
  }
}

function toJson(topic: string, data: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (cause) {
    throw new StateSyncRedisError(
      'invalid_data',
      `data of "${topic}" cannot be JSON: ${String(cause)}`,
      { cause, topic },
    );
  }
  if (json === undefined) {
    throw new StateSyncRedisError(
      'invalid_data',
      `data of "${topic}" is ${typeof data}, not JSON`,
      { topic },
    );
  }
  return json;
}

function parseData<T>(topic: string, json: string): T {
  try {
    return JSON.parse(json) as T;
  } catch (cause) {
    throw new StateSyncRedisError('redis_error', `data of "${topic}" in Redis is not JSON`, {
      cause,
      topic,
    });
  }
}
