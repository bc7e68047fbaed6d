// A TypeScript stand-in for the Rust side in docs/transports/tauri.md, on Tauri's official mocks:
// `get_snapshot` answers from a core Source, and every change is emitted on the invalidation event.
// Values cross as JSON, as they do over real Tauri IPC, so no window shares objects with the source.
import { createSource, type Source } from '@state-sync/core';
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';

declare global {
  interface Window {
    __TAURI_INTERNALS__?: {
      invoke(cmd: string, args?: unknown, options?: unknown): Promise<unknown>;
    };
  }
}

export const EVENT = 'state-sync://invalidate';

export interface RustStandIn {
  /** The current source (replaced by `reset`). */
  readonly source: Source;
  /** Listeners registered with the (mocked) Rust event system and not yet unlistened. */
  rustListenerCount(): number;
  /** Every IPC call the front end made, in order (`plugin:event|listen`, `get_snapshot`, …). */
  readonly calls: string[];
  /** Replaces the state with a new epoch and emits an invalidation for every topic it held. */
  reset(initial: Record<string, unknown>): Promise<void>;
  /** Emits `payload` on the invalidation event as-is, the way a buggy backend would. */
  emitRaw(payload: unknown): Promise<void>;
  close(): Promise<void>;
}

const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function startRustStandIn(options: { command?: string } = {}): RustStandIn {
  const command = options.command ?? 'get_snapshot';
  let source = createSource();
  // Topics this "Rust" state holds: the ones asked for or changed since the last reset.
  let held = new Set<string>();
  const calls: string[] = [];
  const attach = (s: Source) =>
    s.subscribe((invalidation) => {
      held.add(invalidation.topic);
      void emit(EVENT, overTheWire(invalidation));
    });
  let detach = attach(source);

  mockIPC(
    async (cmd, args) => {
      if (cmd !== command) throw `unknown command ${cmd}`; // Tauri rejects with the Err string
      const { topic } = (args ?? {}) as { topic?: unknown };
      if (typeof topic !== 'string') throw 'missing argument topic';
      held.add(topic);
      return overTheWire(await source.topic(topic).get());
    },
    { shouldMockEvents: true },
  );

  // Count what the Rust side would know: listens it accepted minus unlistens it received. The
  // mock keeps its registry private, so the IPC entry point is wrapped to observe both.
  const internals = window.__TAURI_INTERNALS__!;
  const mocked = internals.invoke;
  const registered = new Set<unknown>();
  internals.invoke = async (cmd, args, opts) => {
    calls.push(cmd);
    const result = await mocked(cmd, args, opts);
    if (cmd === 'plugin:event|listen') registered.add(result);
    if (cmd === 'plugin:event|unlisten') registered.delete((args as { eventId: unknown }).eventId);
    return result;
  };

  return {
    get source() {
      return source;
    },
    rustListenerCount: () => registered.size,
    calls,
    async reset(initial) {
      const old = source;
      detach();
      source = createSource();
      for (const [topic, data] of Object.entries(initial)) source.topic(topic, { initial: data });
      detach = attach(source);
      const topics = new Set([...held, ...Object.keys(initial)]);
      held = new Set(Object.keys(initial));
      await old.close();
      for (const topic of topics) {
        const { revision, epoch } = await source.topic(topic).get();
        await emit(EVENT, { topic, revision, epoch });
      }
    },
    emitRaw: (payload) => emit(EVENT, payload),
    async close() {
      detach();
      await source.close();
      clearMocks();
    },
  };
}
