// Per-scenario plumbing: opens the harness, builds engines over controllable links, records every
// apply and error, and closes everything when the scenario ends (even when it fails).
import {
  createRevisionSync,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SnapshotEnvelope,
  type SyncErrorContext,
  type SyncStatus,
} from '@state-sync/core';
import { vi } from 'vitest';
import { assertEndpoint, assertHarness } from './factory';
import type { ClientEndpoint, ContractOptions, HarnessFactory, TransportHarness } from './harness';
import { createLink, type Link } from './link';

export interface SyncedClient<T> {
  readonly handle: RevisionSyncHandle;
  readonly link: Link<T>;
  readonly endpoint: ClientEndpoint;
  /** Every envelope the applier received, in order. */
  readonly applied: SnapshotEnvelope<T>[];
  readonly errors: SyncErrorContext[];
  readonly statuses: SyncStatus[];
  data(): T | undefined;
}

export interface SyncOptions<T> extends Partial<RevisionSyncOptions<T>> {
  /** The client end whose subscriber (and, by default, provider) the engine uses. */
  endpoint?: ClientEndpoint;
  /** Another client end to fetch snapshots from: invalidations to `endpoint` never reach it. */
  providerEndpoint?: ClientEndpoint;
}

export interface Fixture {
  harness: TransportHarness;
  scale: number;
  connect(): Promise<ClientEndpoint>;
  sync<T>(topic: string, options?: SyncOptions<T>): Promise<SyncedClient<T>>;
  /** Polls until `check` stops throwing; fails after 5 s × timeScale. */
  eventually(check: () => void | Promise<void>): Promise<void>;
  /** Stops every engine, closes every client end, then the harness. Safe to call twice. */
  dispose(): Promise<void>;
}

// Harnesses each factory returned, so handing the same object to two scenarios is caught. Weak on
// both sides: nothing here outlives the factory or its harnesses.
const returned = new WeakMap<HarnessFactory, WeakSet<object>>();

/** Awaits `work`, giving up after `ms` so a close that never settles cannot hang the suite. */
async function bounded(work: () => unknown, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(work),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function openFixture(
  name: string,
  factory: HarnessFactory,
  options: ContractOptions,
): Promise<Fixture> {
  const scale = options.timeScale ?? 1;
  const harness = await factory();
  const seen = returned.get(factory) ?? new WeakSet<object>();
  returned.set(factory, seen);
  try {
    assertHarness(harness, name, seen);
  } catch (error) {
    await bounded(() => (harness as Partial<TransportHarness> | null)?.close?.(), 5_000 * scale);
    throw error;
  }
  const cleanups: Array<() => unknown> = [() => harness.close()];
  let disposed = false;

  async function connect(): Promise<ClientEndpoint> {
    const raw = await harness.connect();
    assertEndpoint(raw, name);
    // Scenarios may close a client end themselves; the transport's close() still runs once.
    let closing: Promise<void> | undefined;
    const endpoint: ClientEndpoint = {
      subscriber: (topic) => raw.subscriber(topic),
      provider: <T>(topic: string) => raw.provider<T>(topic),
      ...(raw.close
        ? {
            close: () => {
              closing ??= Promise.resolve().then(() => raw.close!());
              return closing;
            },
          }
        : {}),
      ...(raw.listenerCount ? { listenerCount: () => raw.listenerCount!() } : {}),
    };
    cleanups.push(() => endpoint.close?.());
    return endpoint;
  }

  let shared: ClientEndpoint | undefined;

  return {
    harness,
    scale,
    connect,
    async sync<T>(topic: string, opts: SyncOptions<T> = {}) {
      const { endpoint: given, providerEndpoint, ...engineOptions } = opts;
      shared ??= given ? undefined : await connect();
      const endpoint = given ?? shared!;
      const link = createLink<T>({
        subscriber: endpoint.subscriber(topic),
        provider: (providerEndpoint ?? endpoint).provider<T>(topic),
      });
      const applied: SnapshotEnvelope<T>[] = [];
      const errors: SyncErrorContext[] = [];
      const statuses: SyncStatus[] = [];
      const handle = createRevisionSync<T>({
        topic,
        subscriber: link.subscriber,
        provider: link.provider,
        applier: (envelope) => {
          applied.push(envelope);
        },
        onError: (context) => errors.push(context),
        ...engineOptions,
      });
      handle.onStatus((status) => statuses.push(status));
      cleanups.push(() => handle.stop());
      return {
        handle,
        link,
        endpoint,
        applied,
        errors,
        statuses,
        data: () => applied.at(-1)?.data,
      };
    },
    eventually: (check) => vi.waitFor(check, { timeout: 5_000 * scale, interval: 2 }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      // Engines first, then client ends, then the harness; one failing close does not stop the rest.
      for (const cleanup of cleanups.reverse()) {
        await bounded(cleanup, 5_000 * scale).catch(() => {});
      }
    },
  };
}
