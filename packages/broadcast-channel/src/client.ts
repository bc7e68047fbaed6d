// The client end: what a tab or worker holds. Invalidations go to the engines subscribed to their
// topic; snapshot requests and mutations are correlated by id, time out, and are resent to a new
// host when one announces itself (failover), so nothing waits on a host that is gone.
import {
  compareRevisions,
  type MutationAck,
  type Revision,
  randomId,
  type SnapshotEnvelope,
  type SnapshotProvider,
} from '@state-sync/core';
import { PROTOCOL_FEATURES } from '@state-sync/protocol';
import { type ChannelPort, openChannel } from './channel';
import type {
  BroadcastChannelClient,
  BroadcastChannelClientOptions,
  MutateOptions,
} from './client-api';
import { newClientMetrics } from './client-api';
import { mutationAck, observeMark, refusal } from './client-replies';
import { BroadcastChannelError } from './errors';
import {
  assertAppId,
  assertTopic,
  type BroadcastMessage,
  defaultChannelName,
  intake,
  type MessageBody,
  stamp,
} from './protocol';
import {
  createPushProvider,
  notePushedState,
  type Pushed,
  type PushProviderOptions,
  type Reply,
} from './push';

export type {
  BroadcastChannelClient,
  BroadcastChannelClientOptions,
  ClientMetrics,
  ClientWriteHooks,
  MutateOptions,
} from './client-api';

type Handler = (event: unknown) => void;
type Request = Extract<MessageBody, { type: 'get' | 'mutate' }>;
interface Pending {
  body: Request;
  resolve: (envelope: SnapshotEnvelope<unknown> | MutationAck) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach?: () => void;
}

export function createBroadcastChannelClient(
  options: BroadcastChannelClientOptions,
): BroadcastChannelClient {
  assertAppId(options.appId, 'createBroadcastChannelClient');
  const { appId, onError, writes } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!(timeoutMs > 0)) {
    throw new BroadcastChannelError(
      'invalid_argument',
      `timeoutMs must be a positive number, got ${String(options.timeoutMs)}`,
    );
  }
  const id = options.id ?? randomId();
  const channelName = options.channelName ?? defaultChannelName(appId);
  const metrics = newClientMetrics();
  /** The newest invalidation per topic that carried its change (a delta or the inline state). */
  const pushedStates = new Map<string, Pushed>();
  const notePushed = (message: Extract<BroadcastMessage, { type: 'invalidate' }>) => {
    if (handlers.has(message.topic)) notePushedState(pushedStates, message);
  };
  const handlers = new Map<string, Set<Handler>>();
  const pending = new Map<string, Pending>();
  const hostListeners = new Set<(hostId: string) => void>();
  /** The newest {epoch, revision} heard of per topic, so a cached ack is never served stale. */
  const latest = new Map<string, { epoch: string | undefined; revision: Revision }>();
  /** The state this client's own last write produced, served to its engine instead of a fetch. */
  const acked = new Map<string, SnapshotEnvelope<unknown>>();
  let hostId: string | undefined;
  let channel: ChannelPort | undefined;
  let closed = false;

  function report(error: BroadcastChannelError): void {
    try {
      onError?.(error);
    } catch {
      // A throwing error callback must not break message handling.
    }
  }

  function closedError(): BroadcastChannelError {
    return new BroadcastChannelError('closed', `the client of app "${appId}" is closed`);
  }

  // Opened on first use, so creating a client touches no browser API.
  function port(): ChannelPort {
    if (closed) throw closedError();
    channel ??= openChannel(
      channelName,
      onMessage,
      () => {
        metrics.received++;
        metrics.invalid++;
        report(new BroadcastChannelError('invalid_message', 'a message could not be deserialised'));
      },
      options.BroadcastChannel,
    );
    return channel;
  }

  const post = (body: MessageBody): boolean => port().post(stamp(body, appId, id));

  function deliver(topic: string, event: Record<string, unknown>): void {
    for (const handler of [...(handlers.get(topic) ?? [])]) {
      try {
        handler({ ...event });
      } catch {
        // The engine never throws; a hand-written handler that does must not starve the others.
      }
    }
  }

  function resyncAll(): void {
    for (const topic of handlers.keys())
      deliver(topic, { topic, resync: true, reason: 'reconnect' });
  }

  function noteLatest(topic: string, epoch: string | undefined, revision: Revision): void {
    const known = latest.get(topic);
    if (!known || known.epoch !== epoch || compareRevisions(revision, known.revision) > 0) {
      latest.set(topic, { epoch, revision });
    }
  }

  function arm(entry: Pending): void {
    if (entry.timer !== undefined) globalThis.clearTimeout(entry.timer);
    entry.timer = globalThis.setTimeout(() => {
      metrics.timeouts++;
      settle(entry.body.id)?.reject(
        new BroadcastChannelError(
          'timeout',
          `no host answered ${entry.body.type} "${entry.body.topic}" within ${timeoutMs} ms`,
        ),
      );
      // The write may have landed without its ack reaching us; its invalidation carried our own
      // sourceId and may have been filtered, so pull to be sure.
      if (entry.body.type === 'mutate')
        deliver(entry.body.topic, { topic: entry.body.topic, resync: true, reason: 'reconnect' });
    }, timeoutMs);
  }

  function settle(requestId: string): Pending | undefined {
    const entry = pending.get(requestId);
    if (!entry) return undefined;
    pending.delete(requestId);
    if (entry.timer !== undefined) globalThis.clearTimeout(entry.timer);
    entry.detach?.();
    return entry;
  }

  function request<R>(body: Request, signal?: AbortSignal): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry: Pending = {
        body,
        resolve: resolve as Pending['resolve'],
        reject,
        timer: undefined,
      };
      try {
        post(body);
      } catch (error) {
        return reject(error);
      }
      metrics.requests++;
      pending.set(body.id, entry);
      arm(entry);
      if (signal) {
        const abort = () => settle(body.id)?.reject(signal.reason);
        signal.addEventListener('abort', abort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', abort);
      }
    });
  }

  function onHello(from: string): void {
    if (from === hostId) return;
    const previous = hostId;
    hostId = from;
    if (previous !== undefined) metrics.hostChanges++;
    // The new host knows nothing of us: tell it what we listen to, resend what is unanswered,
    // and pull every topic, since invalidations may have been lost while no host was there.
    if (handlers.size > 0)
      post({ type: 'subscribe', topics: [...handlers.keys()], features: [...PROTOCOL_FEATURES] });
    for (const entry of pending.values()) {
      metrics.resent++;
      post(entry.body);
      arm(entry);
    }
    resyncAll();
    writes?.hostChanged();
    for (const listener of [...hostListeners]) {
      try {
        listener(from);
      } catch {
        // Listeners are the app's; they must not break failover.
      }
    }
  }

  function onReply(
    message: Extract<BroadcastMessage, { type: 'snapshot' | 'ack' | 'error' }>,
  ): void {
    if (message.to !== id) return;
    const entry = settle(message.id);
    if (!entry) return; // a late or duplicate reply (e.g. to a request resent after failover)
    if (message.type === 'error') {
      entry.reject(refusal(message, entry.body));
      return;
    }
    noteLatest(message.topic, message.epoch, message.revision);
    // A mutator call's ack: the state arrives with the invalidation, the queue keeps the view.
    if (message.type === 'ack' && message.lastAppliedSeq !== undefined) {
      entry.resolve(mutationAck(message, message.lastAppliedSeq));
      return;
    }
    if (message.type === 'snapshot' && message.lastAppliedSeq !== undefined)
      writes?.confirm(message.topic, message.lastAppliedSeq, message.revision, message.epoch);
    const envelope: Reply = {
      revision: message.revision,
      ...(message.epoch !== undefined ? { epoch: message.epoch } : {}),
      data: message.data,
      ...(message.type === 'snapshot' && message.delta ? { delta: message.delta } : {}),
    };
    if (message.type === 'ack' && handlers.has(message.topic)) {
      // Our own write: the engine gets this state without a round trip (self-echo), from a copy so
      // the caller and the applier never share one object. Only for subscribed topics: for the
      // others the host posts no invalidations, so we could not tell when the ack went stale.
      acked.set(message.topic, { ...envelope, data: structuredClone(message.data) });
      deliver(message.topic, {
        topic: message.topic,
        revision: message.revision,
        ...(message.epoch !== undefined ? { epoch: message.epoch } : {}),
      });
    }
    entry.resolve(envelope);
  }

  function onMessage(raw: unknown): void {
    if (closed) return;
    const message = intake(raw, appId, metrics, report);
    if (!message) return;
    switch (message.type) {
      case 'hello':
        onHello(message.from);
        return;
      case 'invalidate':
        hostId ??= message.from;
        noteLatest(message.topic, message.epoch, message.revision);
        notePushed(message);
        observeMark(writes, message, report);
        deliver(message.topic, {
          topic: message.topic,
          revision: message.revision,
          ...(message.epoch !== undefined ? { epoch: message.epoch } : {}),
          ...(message.sourceId !== undefined ? { sourceId: message.sourceId } : {}),
        });
        return;
      case 'snapshot':
      case 'ack':
      case 'error':
        hostId ??= message.from;
        onReply(message);
        return;
      default:
        return; // other clients' requests
    }
  }

  /** The ack of our own write, if it is still the newest state known for the topic. */
  function takeAcked(topic: string): SnapshotEnvelope<unknown> | undefined {
    const cached = acked.get(topic);
    if (!cached) return undefined;
    acked.delete(topic);
    const known = latest.get(topic);
    if (
      known &&
      (known.epoch !== cached.epoch || compareRevisions(cached.revision, known.revision) < 0)
    )
      return undefined;
    return cached;
  }

  function write<T>(
    topic: string,
    op: unknown,
    mutateOptions: MutateOptions = {},
  ): Promise<SnapshotEnvelope<T>> {
    assertTopic(topic);
    return request<SnapshotEnvelope<T>>({
      type: 'mutate',
      id: randomId(),
      topic,
      op,
      ...(mutateOptions.baseRevision !== undefined
        ? { baseRevision: mutateOptions.baseRevision }
        : {}),
    });
  }

  return {
    id,
    subscriber(topic) {
      assertTopic(topic);
      return {
        async subscribe(handler) {
          port();
          let set = handlers.get(topic);
          if (!set) {
            set = new Set();
            handlers.set(topic, set);
            post({ type: 'subscribe', topics: [topic], features: [...PROTOCOL_FEATURES] });
          }
          const own: Handler = (event) => handler(event);
          set.add(own);
          return () => {
            if (!set.delete(own) || set.size > 0 || handlers.get(topic) !== set) return;
            handlers.delete(topic);
            acked.delete(topic);
            pushedStates.delete(topic);
            latest.delete(topic);
            if (!closed) post({ type: 'unsubscribe', topics: [topic] });
          };
        },
      };
    },
    provider<T>(topic: string, providerOptions?: PushProviderOptions<T>): SnapshotProvider<T> {
      assertTopic(topic);
      return createPushProvider<T>(
        topic,
        {
          metrics,
          pushed: (name) => pushedStates.get(name),
          pull: (name, since, signal) =>
            request<Reply>(
              {
                type: 'get',
                id: randomId(),
                topic: name,
                ...(since ? { since } : {}),
                ...(writes ? { clientId: writes.clientId } : {}),
              },
              signal,
            ),
          report,
          takeAcked(name) {
            const own = takeAcked(name);
            if (own) metrics.servedFromAck++;
            return own;
          },
        },
        providerOptions,
      );
    },
    set: (topic, data, mutateOptions) => write(topic, { type: 'set', data }, mutateOptions),
    mutateOp: (topic, op, mutateOptions) => write(topic, op, mutateOptions),
    sendMutation({ topic, name, args, clientId, seq }) {
      assertTopic(topic);
      return request<MutationAck>({
        type: 'mutate',
        id: randomId(),
        topic,
        name,
        args,
        clientId,
        seq,
      });
    },
    getHostId: () => hostId,
    onHostChange(listener) {
      hostListeners.add(listener);
      return () => {
        hostListeners.delete(listener);
      };
    },
    listenerCount: () => [...handlers.values()].reduce((sum, set) => sum + set.size, 0),
    getMetrics: () => ({ ...metrics }),
    close() {
      if (closed) return;
      if (channel && handlers.size > 0) post({ type: 'unsubscribe', topics: [...handlers.keys()] });
      closed = true;
      const error = closedError();
      for (const requestId of [...pending.keys()]) settle(requestId)?.reject(error);
      handlers.clear();
      hostListeners.clear();
      channel?.close();
    },
  };
}
