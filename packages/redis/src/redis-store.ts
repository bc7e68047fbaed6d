// createRedisStore: a SourceStore shared by many server nodes. Writes are one Lua script each
// (compare-and-set, data, delta log, PUBLISH); the subscriber connection turns other nodes'
// writes into invalidations for this node's source, and re-reads after every reconnect.
import {
  assertRevision,
  compareRevisions,
  type DeltaEntry,
  type InvalidationEvent,
  nextRevision,
  type Revision,
  randomId,
  type SourceStore,
  type StoreMetrics,
  serializeDelta,
  type TopicRecord,
  type WriteMeta,
} from '@state-sync/core';
import { type AntiEntropy, createAntiEntropy } from './anti-entropy';
import { type ConnectionState, createConnections } from './connections';
import { StateSyncRedisError } from './errors';
import { type KeyLayout, keyLayout } from './keys';
import { parseChannelMessage } from './messages';
import { createMetrics, type RedisStoreMetrics } from './metrics';
import { type RedisStoreOptions, resolveOptions } from './options';
import { EPOCH_SCRIPT, READ_SINCE_SCRIPT, WRITE_SCRIPT } from './scripts';
import { createWatchedTopics } from './watched-topics';

export interface RedisStore extends SourceStore {
  readSince(topic: string, epoch: string, revision: Revision): Promise<DeltaEntry[] | undefined>;
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
  /** Resolves once both connections are up and the channel is subscribed (the first time). */
  ready(): Promise<void>;
  /** Connection states: `ready`, or `connecting`/`reconnecting` while Redis is away. */
  status(): { command: ConnectionState; subscriber: ConnectionState };
  getMetrics(): RedisStoreMetrics & StoreMetrics;
  /** The keys and channel this store uses. */
  readonly keys: KeyLayout;
  /** Settles when no anti-entropy pass is running (tests, diagnostics). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export function createRedisStore(options: RedisStoreOptions = {}): RedisStore {
  const config = resolveOptions(options);
  const keys = keyLayout(config.prefix);
  const metrics = createMetrics();
  let deltasEvicted = 0;
  const listeners = new Set<(event: InvalidationEvent) => void>();
  const watched = createWatchedTopics(config.maxWatchedTopics);
  const report = (error: StateSyncRedisError) => {
    try {
      config.onError(error);
    } catch {
      // an onError that throws must not break the intake
    }
  };
  let closed = false;
  let epoch: string | undefined;
  let epochFetch: Promise<string> | undefined;

  const connections = createConnections({
    url: config.url,
    clientOptions: config.clientOptions,
    name: `state-sync:${config.prefix}`,
    maxPendingCommands: config.maxPendingCommands,
    commandTimeoutMs: config.commandTimeoutMs,
    reconnectBaseDelayMs: config.reconnectBaseDelayMs,
    maxReconnectDelayMs: config.maxReconnectDelayMs,
    onError: report,
    onSubscriberReconnected: () => antiEntropy.trigger(),
  });
  const { run, evalScript } = connections;

  function emit(event: InvalidationEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener({ ...event });
      } catch (cause) {
        metrics.listenerErrors++;
        report(
          new StateSyncRedisError('listener_failed', `a listener threw on "${event.topic}"`, {
            cause,
            topic: event.topic,
          }),
        );
      }
    }
  }

  /**
   * A read starts watching a topic at what it saw, but never advances a watched topic: a read that
   * races a lost pub/sub message must not hide that message from the anti-entropy pass (the
   * clients that read earlier were never told about the newer revision).
   */
  function watch(topic: string, revision: Revision): void {
    if (watched.has(topic)) return;
    if (watched.touch(topic, revision)) metrics.watchedTopicsEvicted++;
  }

  /** The newest revision announced to listeners (our writes, pub/sub, anti-entropy). */
  function remember(topic: string, revision: Revision): void {
    const known = watched.get(topic);
    if (known !== undefined && compareRevisions(revision, known) <= 0) return;
    if (watched.touch(topic, revision)) metrics.watchedTopicsEvicted++;
  }

  /** Takes what Redis says the epoch is; on a change, every watched topic must resync. */
  function adopt(next: string): void {
    const previous = epoch;
    epoch = next;
    if (previous === undefined || previous === next) return;
    metrics.epochChanges++;
    const topics = watched.topics();
    watched.clear();
    for (const topic of topics) {
      watched.touch(topic, '0');
      emit({ topic, revision: '0', epoch: next });
    }
  }

  /** Reads (or creates) the epoch in Redis; concurrent callers share one round trip. */
  function fetchEpoch(): Promise<string> {
    epochFetch ??= evalScript(EPOCH_SCRIPT, [keys.epoch], [randomId(), keys.channel])
      .then((value) => {
        adopt(String(value));
        return String(value);
      })
      .finally(() => {
        epochFetch = undefined;
      });
    return epochFetch;
  }

  const antiEntropy: AntiEntropy = createAntiEntropy({
    maxDelayMs: config.maxReconnectDelayMs,
    onFailure: (cause) =>
      report(
        cause instanceof StateSyncRedisError
          ? cause
          : new StateSyncRedisError('redis_error', 'anti-entropy pass failed', { cause }),
      ),
    async pass() {
      const before = epoch;
      const current = await fetchEpoch();
      // A new epoch already told every listener to resync; nothing to compare against.
      if (before !== undefined && before !== current) {
        metrics.antiEntropyPasses++;
        return;
      }
      const topics = watched.topics();
      const batch = 256;
      for (let i = 0; i < topics.length; i += batch) {
        const slice = topics.slice(i, i + batch);
        // node-redis pipelines the commands issued in one tick.
        const replies = await Promise.all(
          slice.map((topic) =>
            run(
              'anti-entropy read',
              (client) => client.hmGet(keys.record(topic), ['e', 'r']),
              topic,
            ),
          ),
        );
        slice.forEach((topic, index) => {
          const [recordEpoch, revision] = replies[index] as (string | null)[];
          if (!revision || recordEpoch !== current || epoch !== current) return;
          const known = watched.get(topic);
          if (known !== undefined && compareRevisions(revision, known) <= 0) return;
          remember(topic, revision);
          metrics.antiEntropyEmitted++;
          emit({ topic, revision, epoch: current });
        });
      }
      metrics.antiEntropyPasses++;
    },
  });

  async function onMessage(raw: string): Promise<void> {
    metrics.messagesReceived++;
    const parsed = parseChannelMessage(raw, config.maxMessageBytes);
    if (!parsed.ok) {
      metrics.invalidMessages++;
      report(new StateSyncRedisError('invalid_message', `pub/sub ${parsed.problem}`));
      return;
    }
    const message = parsed.message;
    // Ask Redis rather than believe a message about the epoch: it may be late or forged.
    if (message.type === 'epoch' || message.epoch !== epoch) await fetchEpoch();
    if (message.type === 'epoch') return;
    if (message.epoch !== epoch) {
      metrics.staleMessages++;
      return;
    }
    if (watched.has(message.topic)) remember(message.topic, message.revision);
    emit({
      topic: message.topic,
      revision: message.revision,
      epoch: message.epoch,
      ...(message.sourceId === undefined ? {} : { sourceId: message.sourceId }),
      ...(message.delta === undefined ? {} : { delta: message.delta }),
    });
  }

  const subscribed = connections
    .ready()
    .then(() =>
      connections.subscriber.subscribe(keys.channel, (raw) => {
        onMessage(String(raw)).catch((cause) =>
          report(
            cause instanceof StateSyncRedisError
              ? cause
              : new StateSyncRedisError('redis_error', 'handling a pub/sub message failed', {
                  cause,
                }),
          ),
        );
      }),
    )
    .then(() => {
      // Anything written between our first reads and the subscription is caught here.
      antiEntropy.trigger();
      return antiEntropy.idle();
    });
  subscribed.catch(() => {});

  function checkTopic(topic: unknown): asserts topic is string {
    if (typeof topic !== 'string' || topic === '') {
      throw new StateSyncRedisError('invalid_argument', 'topic must be a non-empty string');
    }
  }

  async function read<T>(topic: string): Promise<TopicRecord<T> | undefined> {
    checkTopic(topic);
    const [recordEpoch, revision, json] = await run(
      'read',
      (client) => client.hmGet(keys.record(topic), ['e', 'r', 'd']),
      topic,
    );
    if (!revision || !recordEpoch || json == null) {
      watch(topic, '0');
      return undefined;
    }
    if (recordEpoch !== epoch) await fetchEpoch();
    // A record of an epoch Redis no longer has: written by a node that had not yet noticed the
    // data loss. It is treated as never written, and the next write replaces it.
    if (recordEpoch !== epoch) return undefined;
    watch(topic, String(revision));
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
    // Creating a topic under an epoch Redis lost would hide the loss: check the epoch first.
    let writeEpoch = expected === undefined || epoch === undefined ? await fetchEpoch() : epoch;
    let orphan = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = (await evalScript(
        WRITE_SCRIPT,
        [keys.record(topic), keys.log(topic)],
        [
          writeEpoch,
          expected ?? '',
          json,
          ops,
          String(config.maxLogEntries),
          String(config.maxLogBytes),
          keys.channel,
          JSON.stringify(topic),
          JSON.stringify(writeEpoch),
          meta.sourceId === undefined ? '' : JSON.stringify(meta.sourceId),
          publishDelta ? '1' : '0',
          orphan,
        ],
        topic,
      )) as string[];
      const [outcome, value, evicted] = reply.map(String);
      if (outcome === 'ok') {
        metrics.writes++;
        deltasEvicted += Number(evicted) || 0;
        remember(topic, value as string);
        return { epoch: writeEpoch, revision: value as Revision, data: JSON.parse(json) as T };
      }
      if (outcome === 'conflict') {
        metrics.conflicts++;
        return undefined;
      }
      if (outcome === 'overflow') {
        throw new StateSyncRedisError(
          'revision_overflow',
          `topic "${topic}" is at the largest revision`,
          { topic },
        );
      }
      // 'epoch': the record belongs to another epoch than ours.
      const current = await fetchEpoch();
      if (current !== writeEpoch) {
        // We were behind; the caller re-reads under the current epoch and retries.
        metrics.conflicts++;
        return undefined;
      }
      orphan = value as string;
      writeEpoch = current;
    }
    metrics.conflicts++;
    return undefined;
  }

  async function readSince(topic: string, since: string, revision: Revision) {
    checkTopic(topic);
    assertRevision(revision, 'readSince revision');
    const reply = (
      (await evalScript(
        READ_SINCE_SCRIPT,
        [keys.record(topic), keys.log(topic)],
        [],
        topic,
      )) as unknown[]
    ).map(String);
    const [recordEpoch, current = '', ...entries] = reply;
    const storeEpoch = await fetchEpoch();
    if (since !== storeEpoch) return undefined;
    // A missing record (or an orphan of a lost epoch) is a topic at revision 0.
    const head = current !== '' && recordEpoch === storeEpoch ? current : '0';
    const order = compareRevisions(revision, head);
    if (order === 0) return [];
    if (order > 0 || head === '0') return undefined;
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

  return {
    keys,
    getEpoch: () => fetchEpoch(),
    read,
    write,
    readSince,
    subscribe(listener) {
      if (typeof listener !== 'function') {
        throw new StateSyncRedisError('invalid_argument', 'listener must be a function');
      }
      const wrapped = (event: InvalidationEvent) => listener(event);
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
    ready: () => subscribed,
    status: () => connections.state(),
    getMetrics: () => ({ ...metrics, watchedTopics: watched.size, deltasEvicted }),
    settled: () => antiEntropy.idle(),
    async close() {
      if (closed) return;
      closed = true;
      antiEntropy.stop();
      listeners.clear();
      await connections.close();
    },
  };
}
