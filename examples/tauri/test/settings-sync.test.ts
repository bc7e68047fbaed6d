// Two windows of the example against a TypeScript rendering of the Rust side in
// docs/transports/tauri.md, on Tauri's official mocks.
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, expect, it, vi } from 'vitest';
import { createSettingsStore, saveSettings, startSettingsSync } from '../src/settings-sync';

afterEach(() => clearMocks());

/** Mirrors the Rust snippet: epoch chosen at startup, u64 revision sent as a decimal string. */
function mockRustSide() {
  const epoch = `epoch-${Date.now().toString(16)}`;
  const topics = new Map<string, { revision: bigint; data: Record<string, unknown> }>([
    ['settings', { revision: 0n, data: { theme: 'light', fontSize: 14 } }],
  ]);
  mockIPC(
    async (cmd, args) => {
      const { topic, patch } = args as { topic: string; patch?: Record<string, unknown> };
      const entry = topics.get(topic);
      if (!entry) throw `unknown topic "${topic}"`;
      if (cmd === 'get_snapshot') {
        return JSON.parse(
          JSON.stringify({ revision: entry.revision.toString(), epoch, data: entry.data }),
        );
      }
      if (cmd === 'merge_state') {
        entry.data = { ...entry.data, ...patch };
        entry.revision += 1n;
        await emit('state-sync://invalidate', {
          topic,
          revision: entry.revision.toString(),
          epoch,
        });
        return entry.revision.toString();
      }
      throw `unknown command ${cmd}`;
    },
    { shouldMockEvents: true },
  );
}

it('a change saved in one window reaches every window through the Rust side', async () => {
  mockRustSide();
  const main = createSettingsStore();
  const prefs = createSettingsStore();
  const syncs = [startSettingsSync(main), startSettingsSync(prefs)];
  await vi.waitFor(() => expect(syncs.map((s) => s.getStatus())).toEqual(['synced', 'synced']));
  expect(main.get()).toEqual({ theme: 'light', fontSize: 14 });

  await expect(saveSettings({ theme: 'dark' })).resolves.toBe('1');
  await vi.waitFor(() => {
    expect(main.get()).toEqual({ theme: 'dark', fontSize: 14 });
    expect(prefs.get()).toEqual({ theme: 'dark', fontSize: 14 });
  });
  expect(syncs.map((s) => s.getLocalRevision())).toEqual(['1', '1']);
  for (const sync of syncs) sync.stop();
});
