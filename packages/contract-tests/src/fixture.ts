// Per-test plumbing: opens the harness, builds engines over controllable links, records every
// apply and error, and closes everything when the test ends (even when it fails).
import {
  createRevisionSync,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SnapshotEnvelope,
  type SyncErrorContext,
  type SyncStatus,
} from '@state-sync/core';
import { onTestFinished, vi } from 'vitest';
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

export interface Fixture {
  harness: TransportHarness;
  scale: number;
  connect(): Promise<ClientEndpoint>;
  sync<T>(
    topic: string,
    options?: { endpoint?: ClientEndpoint } & Partial<RevisionSyncOptions<T>>,
  ): Promise<SyncedClient<T>>;
  /** Polls until `check` stops throwing; fails after 5 s × timeScale. */
  eventually(check: () => void | Promise<void>): Promise<void>;
}

export function assertHarness(value: unknown, name: string): asserts value is TransportHarness {
  const h = value as Partial<TransportHarness> | null;
  const problems: string[] = [];
  if (typeof h !== 'object' || h === null) problems.push(`got ${h === null ? 'null' : typeof h}`);
  else {
    if (typeof h.source?.topic !== 'function')
      problems.push('`source` must be a Source from createSource()');
    if (typeof h.connect !== 'function')
      problems.push('`connect` must be a function returning a ClientEndpoint');
    if (typeof h.close !== 'function') problems.push('`close` must be a function');
    for (const key of ['restart', 'sendRaw'] as const) {
      if (h[key] !== undefined && typeof h[key] !== 'function')
        problems.push(`\`${key}\` must be a function when given`);
    }
  }
  if (problems.length > 0) {
    throw new TypeError(
      `describeTransportContract("${name}"): the factory must return a TransportHarness: ${problems.join('; ')}`,
    );
  }
}

function assertEndpoint(value: unknown, name: string): asserts value is ClientEndpoint {
  const e = value as Partial<ClientEndpoint> | null;
  if (typeof e?.subscriber !== 'function' || typeof e.provider !== 'function') {
    throw new TypeError(
      `describeTransportContract("${name}"): harness.connect() must return { subscriber(topic), provider(topic), close?() }`,
    );
  }
}

export async function openFixture(
  name: string,
  factory: HarnessFactory,
  options: ContractOptions,
): Promise<Fixture> {
  const scale = options.timeScale ?? 1;
  const cleanups: Array<() => unknown> = [];
  // Registered before anything is opened so a failing factory still gets cleaned up after.
  onTestFinished(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const harness = await factory();
  assertHarness(harness, name);
  cleanups.push(() => harness.close());

  async function connect(): Promise<ClientEndpoint> {
    const endpoint = await harness.connect();
    assertEndpoint(endpoint, name);
    cleanups.push(() => endpoint.close?.());
    return endpoint;
  }

  let shared: ClientEndpoint | undefined;

  return {
    harness,
    scale,
    connect,
    async sync<T>(
      topic: string,
      opts: { endpoint?: ClientEndpoint } & Partial<RevisionSyncOptions<T>> = {},
    ) {
      const { endpoint: given, ...engineOptions } = opts;
      shared ??= given ? undefined : await connect();
      const endpoint = given ?? shared!;
      const link = createLink<T>({
        subscriber: endpoint.subscriber(topic),
        provider: endpoint.provider<T>(topic),
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
  };
}
