// The host end: serves a core Source over the channel. It posts invalidations for topics somebody
// subscribed to, answers `get` with snapshots and applies `mutate` as the only writer.
import { type InvalidationEvent, randomId, type SnapshotEnvelope } from '@state-sync/core';
import { PROTOCOL_FEATURES } from '@state-sync/protocol';
import { type ChannelPort, openChannel } from './channel';
import { BroadcastChannelError, isBroadcastChannelError, type WireErrorCode } from './errors';
import type { BroadcastChannelHost, BroadcastChannelHostOptions, HostMetrics } from './host-api';
import type { HostMutators, MutatorMetrics } from './host-mutate';
import { createPushPlanner, DEFAULT_INLINE_BYTES, type Wants } from './host-push';
import { createWriter } from './host-write';
import {
  assertAppId,
  type BroadcastMessage,
  defaultChannelName,
  intake,
  type MessageBody,
  stamp,
} from './protocol';

/** How many mutation replies the host keeps to answer a resend of the same id. */
const RECENT_MUTATIONS = 500;

/** How a host gets its mutator path: passed in, so a bundle without mutators does not carry it. */
export type ServeMutators = (
  source: BroadcastChannelHostOptions['source'],
  mutators: NonNullable<BroadcastChannelHostOptions['mutators']>,
  metrics: MutatorMetrics,
  maxInFlight: number,
) => HostMutators;

/** The host without the mutator path unless `serveMutators` is given (host-mutate.ts gives it). */
export function createHost(
  options: BroadcastChannelHostOptions,
  serveMutators?: ServeMutators,
): BroadcastChannelHost {
  assertAppId(options.appId, 'createBroadcastChannelHost');
  const { appId, source, reducer, ledger, onError } = options;
  const inlineBytes = options.inlineBytes ?? DEFAULT_INLINE_BYTES;
  if (!(Number.isInteger(inlineBytes) && inlineBytes >= 0)) {
    throw new BroadcastChannelError(
      'invalid_argument',
      `inlineBytes must be a non-negative integer, got ${String(options.inlineBytes)}`,
    );
  }
  if (typeof source?.topic !== 'function') {
    throw new BroadcastChannelError(
      'invalid_argument',
      'createBroadcastChannelHost: source must be a Source from createSource()',
    );
  }
  const maxMutationsInFlight = options.maxMutationsInFlight ?? 1000;
  if (!(Number.isSafeInteger(maxMutationsInFlight) && maxMutationsInFlight > 0)) {
    throw new BroadcastChannelError(
      'invalid_argument',
      `maxMutationsInFlight must be a positive integer, got ${String(options.maxMutationsInFlight)}`,
    );
  }
  const id = options.id ?? randomId();
  const metrics: HostMetrics = {
    received: 0,
    foreign: 0,
    invalid: 0,
    served: 0,
    mutations: 0,
    duplicates: 0,
    rejected: 0,
    busy: 0,
    pushed: 0,
    deltas: 0,
    resumed: 0,
  };
  const planner = createPushPlanner(source, inlineBytes, options.store, options.diff);
  /** Per topic: the subscribed clients with what each understands, and one chain of posts. */
  const interest = new Map<
    string,
    { clients: Map<string, Wants>; off: () => void; posts: Promise<void> }
  >();
  const recent = new Map<string, Promise<MessageBody>>();
  const chains = new Map<string, Promise<unknown>>();
  let closed = false;

  function report(error: BroadcastChannelError): void {
    try {
      onError?.(error);
    } catch {
      // A throwing error callback must not stop the host.
    }
  }

  const channel: ChannelPort = openChannel(
    options.channelName ?? defaultChannelName(appId),
    onMessage,
    () => {
      metrics.received++;
      metrics.invalid++;
      report(new BroadcastChannelError('invalid_message', 'a message could not be deserialised'));
    },
    options.BroadcastChannel,
  );

  function post(body: MessageBody): void {
    try {
      channel.post(stamp(body, appId, id));
    } catch (error) {
      report(error as BroadcastChannelError);
      // The data could not be cloned: the requester still deserves an answer.
      if ((body.type === 'snapshot' || body.type === 'ack') && !closed) {
        channel.post(
          stamp(
            failure(
              body.to,
              body.id,
              'internal',
              `the state of "${body.topic}" cannot be structured-cloned`,
            ),
            appId,
            id,
          ),
        );
      }
    }
  }

  function failure(
    to: string,
    requestId: string,
    code: WireErrorCode,
    message: string,
  ): MessageBody {
    return { type: 'error', to, id: requestId, code, message };
  }

  function toFailure(to: string, requestId: string, error: unknown): MessageBody {
    if (
      isBroadcastChannelError(error) &&
      (error.code === 'conflict' ||
        error.code === 'mutation_failed' ||
        error.code === 'bad_request')
    ) {
      return failure(to, requestId, error.code, error.message);
    }
    report(new BroadcastChannelError('internal', 'serving a request failed', { cause: error }));
    return failure(
      to,
      requestId,
      'internal',
      error instanceof Error ? error.message : String(error),
    );
  }

  function onInvalidation(event: InvalidationEvent): void {
    const entry = interest.get(event.topic);
    if (!entry) return;
    // What the subscribers of this topic understand: tabs of an older version announce nothing,
    // and read a delta-carrying invalidation as a plain one (their schema drops unknown fields).
    const wants: Wants = { delta: false, inline: false };
    for (const client of entry.clients.values()) {
      wants.delta ||= client.delta;
      wants.inline ||= client.inline;
    }
    const plain: MessageBody = {
      type: 'invalidate',
      topic: event.topic,
      revision: event.revision,
      ...(event.epoch !== undefined ? { epoch: event.epoch } : {}),
      ...(event.sourceId !== undefined ? { sourceId: event.sourceId } : {}),
      ...(event.mutation ? { mutation: event.mutation } : {}),
    };
    // Posts of one topic keep their order: reading the state for the payload is asynchronous.
    entry.posts = entry.posts
      .then(() => planner.plan(event, wants))
      .then(
        (payload) => {
          if (closed) return;
          if ('delta' in payload) metrics.deltas++;
          if ('delta' in payload || 'data' in payload) metrics.pushed++;
          // One message object, cloned once by postMessage for every tab: one serialisation.
          post({ ...plain, ...payload } as MessageBody);
        },
        (error: unknown) => {
          report(
            new BroadcastChannelError('internal', 'reading a state to push failed', {
              cause: error,
            }),
          );
          if (!closed) post(plain);
        },
      );
  }

  function subscribe(client: string, topics: string[], features: readonly string[] = []): void {
    const wants: Wants = {
      delta: features.includes('delta'),
      inline: features.includes('inline'),
    };
    for (const topic of topics) {
      let entry = interest.get(topic);
      if (!entry) {
        entry = {
          clients: new Map(),
          off: source.topic(topic).subscribe(onInvalidation),
          posts: Promise.resolve(),
        };
        interest.set(topic, entry);
      }
      entry.clients.set(client, wants);
    }
  }

  function unsubscribe(client: string, topics: string[]): void {
    for (const topic of topics) {
      const entry = interest.get(topic);
      if (!entry?.clients.delete(client) || entry.clients.size > 0) continue;
      entry.off();
      interest.delete(topic);
      planner.forget(topic);
    }
  }

  async function serveGet(message: Extract<BroadcastMessage, { type: 'get' }>): Promise<void> {
    let reply: MessageBody;
    try {
      // With the asking client's last processed mutation, read consistently with the data.
      const envelope = writes
        ? await writes.snapshot(message.topic, message.clientId)
        : await source.topic(message.topic).get();
      const delta = message.since
        ? await planner.resume(message.topic, message.since, envelope)
        : undefined;
      const fields = envelopeFields(envelope);
      reply = {
        type: 'snapshot',
        to: message.from,
        id: message.id,
        topic: message.topic,
        ...('lastAppliedSeq' in envelope ? { lastAppliedSeq: envelope.lastAppliedSeq } : {}),
        ...(delta
          ? {
              revision: fields.revision,
              ...(fields.epoch !== undefined ? { epoch: fields.epoch } : {}),
              delta,
            }
          : fields),
      } as MessageBody;
      if (delta) metrics.resumed++;
      metrics.served++;
    } catch (error) {
      reply = toFailure(message.from, message.id, error);
    }
    if (!closed) post(reply);
  }

  const write = createWriter({ source, reducer, ledger, metrics, diff: options.diff });
  const writes =
    options.mutators && serveMutators
      ? serveMutators(source, options.mutators, metrics, maxMutationsInFlight)
      : undefined;

  function serveMutate(message: Extract<BroadcastMessage, { type: 'mutate' }>): void {
    if (message.name !== undefined) {
      // Exactly once lives in the store, so a resend is simply applied again (and acked duplicate).
      const reply: Promise<MessageBody> = writes
        ? writes.serve(message, (error) => toFailure(message.from, message.id, error))
        : Promise.resolve({
            type: 'error',
            to: message.from,
            id: message.id,
            code: 'unknown_topic',
            message: `this host has no mutators (mutator "${message.name}" on "${message.topic}"): pass the same mutators to every tab`,
            rejected: true,
          });
      void reply.then((body) => {
        if (!closed) post(body);
      });
      return;
    }
    let reply = recent.get(message.id);
    if (reply) metrics.duplicates++;
    else {
      // Mutations of one topic run one after another: the baseRevision check and the write are
      // then atomic with respect to every other mutation this host serves.
      const previous = chains.get(message.topic) ?? Promise.resolve();
      const run = previous.then(() => write(message));
      const settled = run.catch(() => {});
      chains.set(message.topic, settled);
      void settled.then(() => {
        if (chains.get(message.topic) === settled) chains.delete(message.topic);
      });
      reply = run.then(
        (envelope): MessageBody => ({
          type: 'ack',
          to: message.from,
          id: message.id,
          topic: message.topic,
          ...envelopeFields(envelope),
        }),
        (error) => toFailure(message.from, message.id, error),
      );
      recent.set(message.id, reply);
      if (recent.size > RECENT_MUTATIONS) recent.delete(recent.keys().next().value as string);
    }
    void reply.then((body) => {
      if (!closed) post(body);
    });
  }

  function onMessage(raw: unknown): void {
    if (closed) return;
    const message = intake(raw, appId, metrics, report, (problem) => {
      // A malformed request that can still be answered gets an error instead of a timeout.
      const request = raw as { type?: unknown; id?: unknown; from?: unknown };
      if (
        (request.type === 'get' || request.type === 'mutate') &&
        typeof request.id === 'string' &&
        typeof request.from === 'string' &&
        request.id &&
        request.from
      ) {
        post(failure(request.from, request.id, 'bad_request', `rejected a message: ${problem}`));
      }
    });
    if (!message) return;
    switch (message.type) {
      case 'subscribe':
        subscribe(message.from, message.topics, message.features);
        return;
      case 'unsubscribe':
        unsubscribe(message.from, message.topics);
        return;
      case 'get':
        void serveGet(message);
        return;
      case 'mutate':
        serveMutate(message);
        return;
      default:
        // Host → client traffic (ours or another host's) is not for us.
        return;
    }
  }

  // Announce: clients that were waiting for a host resubscribe and resend their requests.
  post({ type: 'hello', features: [...PROTOCOL_FEATURES] });

  return {
    id,
    topics: () => [...interest.keys()],
    getMetrics: () => ({ ...metrics }),
    close() {
      if (closed) return;
      closed = true;
      for (const entry of interest.values()) entry.off();
      interest.clear();
      recent.clear();
      channel.close();
    },
  };
}

function envelopeFields(envelope: SnapshotEnvelope<unknown>) {
  return {
    revision: envelope.revision,
    ...(envelope.epoch !== undefined ? { epoch: envelope.epoch } : {}),
    data: envelope.data,
  };
}
