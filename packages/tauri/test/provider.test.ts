import { describe, expect, it, vi } from 'vitest';
import { createTauriProvider, type TauriInvoke } from '../src/index';

describe('createTauriProvider', () => {
  it('invokes get_snapshot with { topic } by default and returns the reply untouched', async () => {
    const reply = {
      revision: '18446744073709551615',
      epoch: 'e1',
      data: { theme: 'dark' },
      extra: 1,
    };
    const invoke = vi.fn<TauriInvoke>(async () => reply);
    const envelope = await createTauriProvider({ topic: 'settings', invoke }).getSnapshot();
    expect(invoke).toHaveBeenCalledWith('get_snapshot', { topic: 'settings' });
    expect(envelope).toBe(reply);
  });

  it('passes the command and extra args, merged after topic', async () => {
    const invoke = vi.fn<TauriInvoke>(async () => null);
    await createTauriProvider({
      topic: 'doc',
      command: 'load_doc',
      args: { profile: 'work' },
      invoke,
    }).getSnapshot();
    await createTauriProvider({ topic: 'doc', args: { topic: 'doc-v2' }, invoke }).getSnapshot();
    expect(invoke.mock.calls).toEqual([
      ['load_doc', { topic: 'doc', profile: 'work' }],
      ['get_snapshot', { topic: 'doc-v2' }],
    ]);
  });

  it('gives every call its own arguments object', async () => {
    const seen: unknown[] = [];
    const recording: TauriInvoke = async (_command, args) => {
      seen.push({ ...args });
      args!.topic = 'changed';
      return null;
    };
    const p = createTauriProvider({ topic: 'a', invoke: recording });
    await p.getSnapshot();
    await p.getSnapshot();
    expect(seen).toEqual([{ topic: 'a' }, { topic: 'a' }]);
  });

  it('lets a failing command reject as it is (the engine reports it as fetch_failed)', async () => {
    const invoke: TauriInvoke = () => Promise.reject('topic "x" is unknown'); // Rust's Err(String)
    await expect(createTauriProvider({ topic: 'x', invoke }).getSnapshot()).rejects.toBe(
      'topic "x" is unknown',
    );
  });

  it('rejects bad options at once with invalid_argument', () => {
    for (const options of [
      { invoke: async () => null },
      { topic: '', invoke: async () => null },
      { topic: 'a', command: '', invoke: async () => null },
      { topic: 'a', invoke: {} },
      { topic: 'a' }, // invoke is required: this package never imports @tauri-apps/api itself
    ]) {
      expect(() => createTauriProvider(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });
});
