// Plumbing for the push/delta tests: a BroadcastChannel whose deliveries of `invalidate` messages
// a test can drop, duplicate, hold back (reorder) or rewrite, a host over a memory store that
// records every state it wrote (to check each applied state against the source's history), and
// a client tab whose engine is bound to its provider the way createTabSync binds it.
import {
  createMemoryStore,
  createRevisionSync,
  createSource,
  type MemoryStoreOptions,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
  type Source,
  type StandardSchemaV1,
  type SyncErrorContext,
} from '@state-sync/core';
import { onTestFinished } from 'vitest';
import {
  type BroadcastChannelClient,
  type BroadcastChannelHost,
  type BroadcastChannelHostOptions,
  createBroadcastChannelClient,
  createBroadcastChannelHost,
} from '../src/index';

export type Fault = 'pass' | 'drop' | 'duplicate' | 'hold' | 'wrongBase' | 'badOps';
type Message = Record<string, unknown>;

/** Decides, per invalidation delivered to this end, what happens to it. */
export interface FaultPlan {
  next(message: Message): Fault;
}

/** A BroadcastChannel that applies `plan` to the invalidations it delivers; held ones come later. */
export function faultyChannel(plan: FaultPlan) {
  const held: Array<() => void> = [];
  class Faulty extends BroadcastChannel {
    override addEventListener(type: string, listener: unknown, options?: unknown): void {
      if (type !== 'message') {
        super.addEventListener(type, listener as EventListener, options as AddEventListenerOptions);
        return;
      }
      const deliver = listener as (event: { data: unknown }) => void;
      super.addEventListener('message', (event) => {
        const data = (event as MessageEvent).data as Message;
        if (data?.type !== 'invalidate') return deliver({ data });
        const fault = plan.next(data);
        if (fault === 'drop') return;
        if (fault === 'duplicate') {
          deliver({ data });
          deliver({ data: structuredClone(data) });
        } else if (fault === 'hold') held.push(() => deliver({ data }));
        else if (fault === 'wrongBase' && data.delta) {
          const delta = data.delta as { baseRevision: string; ops: unknown[] };
          const base = (BigInt(delta.baseRevision) + 1n).toString();
          deliver({ data: { ...data, delta: { ...delta, baseRevision: base } } });
        } else if (fault === 'badOps' && data.delta) {
          const delta = data.delta as { baseRevision: string; ops: unknown[] };
          const ops = [{ op: 'remove', path: '/no/such/path' }];
          deliver({ data: { ...data, delta: { ...delta, ops } } });
        } else deliver({ data });
      });
    }
  }
  return {
    Channel: Faulty as unknown as typeof BroadcastChannel,
    /** Delivers what was held back, newest first (the worst order). */
    release() {
      for (const send of held.splice(0).reverse()) send();
    },
  };
}

export interface HostWorld {
  readonly source: Source;
  readonly host: BroadcastChannelHost;
  /** Every state the source reached, by `${epoch}:${revision}`. */
  readonly history: Map<string, unknown>;
  write(topic: string, data: unknown): Promise<SnapshotEnvelope<unknown>>;
  /** Replaces store, source and host: a new epoch, as after a reset. */
  restart(initial: Record<string, unknown>): Promise<void>;
}

export function hostWorld(
  appId: string,
  storeOptions: MemoryStoreOptions = {},
  hostOptions: Pick<BroadcastChannelHostOptions, 'inlineBytes' | 'diff'> = {},
): HostWorld {
  const history = new Map<string, unknown>();
  const make = () => {
    const store = createMemoryStore(storeOptions);
    const source = createSource({ store });
    const host = createBroadcastChannelHost({ appId, source, store, ...hostOptions });
    return { source, host };
  };
  let current = make();
  onTestFinished(async () => {
    current.host.close();
    await current.source.close();
  });
  const world: HostWorld = {
    get source() {
      return current.source;
    },
    get host() {
      return current.host;
    },
    history,
    async write(topic, data) {
      // Through the host's write path (a client mutate would do the same): diffed, logged.
      const envelope = await current.source.topic(topic).get();
      const { diffStates } = await import('@state-sync/protocol/diff');
      const ops = diffStates(envelope.data, data);
      const written = await current.source
        .topic(topic)
        .set(data, ops ? { ifRevision: envelope.revision, delta: ops } : {});
      history.set(`${written.epoch}:${written.revision}`, structuredClone(data));
      return written;
    },
    async restart(initial) {
      const old = current;
      old.host.close();
      await old.source.close();
      current = make();
      for (const [topic, data] of Object.entries(initial)) {
        current.source.topic(topic, { initial: data });
        const envelope = await current.source.topic(topic).get();
        history.set(`${envelope.epoch}:${envelope.revision}`, structuredClone(data));
      }
    },
  };
  return world;
}

export interface ClientTab<T> {
  client: BroadcastChannelClient;
  engine: RevisionSyncHandle<T>;
  applied: SnapshotEnvelope<T>[];
  errors: SyncErrorContext[];
  data(): T | undefined;
}

/** A client tab: its engine's provider knows the engine's revision, as in createTabSync. */
export async function clientTab<T>(
  appId: string,
  topic: string,
  extra: { Channel?: typeof BroadcastChannel; schema?: StandardSchemaV1<unknown, T> } = {},
): Promise<ClientTab<T>> {
  const client = createBroadcastChannelClient({
    appId,
    ...(extra.Channel ? { BroadcastChannel: extra.Channel } : {}),
  });
  const applied: SnapshotEnvelope<T>[] = [];
  const errors: SyncErrorContext[] = [];
  const engine: RevisionSyncHandle<T> = createRevisionSync<T>({
    topic,
    subscriber: client.subscriber(topic),
    provider: client.provider<T>(topic, {
      local: () => ({ revision: engine.getLocalRevision(), epoch: engine.getEpoch() }),
      onError: (context) => void errors.push(context),
      ...(extra.schema ? { schema: extra.schema } : {}),
    }),
    ...(extra.schema ? { schema: extra.schema } : {}),
    applier: (envelope) => void applied.push(envelope),
    onError: (context) => void errors.push(context),
  });
  onTestFinished(() => {
    engine.stop();
    client.close();
  });
  await engine.start();
  return { client, engine, applied, errors, data: () => applied.at(-1)?.data };
}

/** A state of about `kb` KB: `items` objects of a few fields each. */
export function bigState(kb: number): { title: string; items: Array<Record<string, unknown>> } {
  const items = [];
  for (let i = 0; i < kb * 16; i++)
    items.push({ id: `item-${i}`, label: `label number ${i}`, done: false, n: i });
  return { title: 'board', items };
}
