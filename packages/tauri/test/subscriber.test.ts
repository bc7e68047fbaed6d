import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTauriSubscriber, type TauriListen } from '../src/index';
import { deferred, settle } from './helpers';

type Message = { payload: unknown };

/** A listen() whose resolution the test controls; it records every handler and unlisten call. */
function controlledListen() {
  const handlers = new Set<(message: Message) => void>();
  const gates: Array<ReturnType<typeof deferred<void>>> = [];
  const unlistens = vi.fn();
  const listen: TauriListen = async (_event, handler) => {
    handlers.add(handler); // like Tauri: registered before the promise resolves
    const gate = deferred();
    gates.push(gate);
    await gate.promise;
    return () => {
      unlistens();
      handlers.delete(handler);
    };
  };
  const emit = (payload: unknown) => {
    for (const handler of [...handlers]) handler({ payload });
  };
  return { listen, handlers, gates, unlistens, emit };
}

describe('createTauriSubscriber', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('forwards the payload of every message on its event, whatever the topic', async () => {
    const t = controlledListen();
    const calls: Array<[string, unknown]> = [];
    const listen: TauriListen = (event, handler) => {
      calls.push([event, undefined]);
      return t.listen(event, handler);
    };
    const subscriber = createTauriSubscriber({ listen, event: 'app://changed' });
    const received: unknown[] = [];
    const subscribing = subscriber.subscribe((payload) => received.push(payload));
    await settle();
    t.gates[0]!.resolve();
    await subscribing;
    t.emit({ topic: 'a', revision: '1' });
    t.emit({ topic: 'b', revision: '7' });
    expect(calls.map(([event]) => event)).toEqual(['app://changed']);
    expect(received).toEqual([
      { topic: 'a', revision: '1' },
      { topic: 'b', revision: '7' },
    ]);
  });

  it('accepts every event name Tauri accepts', () => {
    for (const event of ['state-sync://invalidate', 'app:changed', 'my_app/x-y', 'réglages']) {
      expect(() => createTauriSubscriber({ event, listen: async () => () => {} })).not.toThrow();
    }
  });

  it('listens on state-sync://invalidate by default', async () => {
    const listen = vi.fn<TauriListen>(async () => () => {});
    await createTauriSubscriber({ listen }).subscribe(() => {});
    expect(listen).toHaveBeenCalledWith('state-sync://invalidate', expect.any(Function));
  });

  it('never throws on malformed messages: the payload (or undefined) goes to the engine to judge', async () => {
    let deliver!: (message: unknown) => void;
    const listen: TauriListen = async (_event, handler) => {
      deliver = handler as (message: unknown) => void;
      return () => {};
    };
    const received: unknown[] = [];
    await createTauriSubscriber({ listen }).subscribe((payload) => received.push(payload));
    for (const message of [null, undefined, 42, 'text', {}, { payload: null }, { payload: 'x' }]) {
      expect(() => deliver(message)).not.toThrow();
    }
    expect(received).toEqual([undefined, undefined, undefined, undefined, undefined, null, 'x']);
  });

  it('delivers messages that arrive before listen() resolves (Tauri registers the handler first)', async () => {
    const t = controlledListen();
    const received: unknown[] = [];
    const subscribing = createTauriSubscriber({ listen: t.listen }).subscribe((p) =>
      received.push(p),
    );
    await settle();
    t.emit('early');
    t.gates[0]!.resolve();
    await subscribing;
    expect(received).toEqual(['early']);
  });

  it('unlistens once and delivers nothing more, however often its unsubscribe is called', async () => {
    const t = controlledListen();
    const received: unknown[] = [];
    const subscriber = createTauriSubscriber({ listen: t.listen });
    const subscribing = subscriber.subscribe((p) => received.push(p));
    await settle();
    t.gates[0]!.resolve();
    const unsubscribe = await subscribing;
    expect(subscriber.listenerCount()).toBe(1);
    unsubscribe();
    unsubscribe();
    subscriber.close();
    unsubscribe();
    t.emit('late');
    expect(t.unlistens).toHaveBeenCalledTimes(1);
    expect(received).toEqual([]);
    expect(subscriber.listenerCount()).toBe(0);
  });

  it('drops messages after unsubscribe even while an async unlisten is still on its way', async () => {
    const handlers: Array<(message: Message) => void> = [];
    const unlistenReply = deferred();
    const listen: TauriListen = async (_event, handler) => {
      handlers.push(handler);
      return () => unlistenReply.promise; // Tauri's unlisten: an IPC round trip
    };
    const received: unknown[] = [];
    const unsubscribe = await createTauriSubscriber({ listen }).subscribe((p) => received.push(p));
    unsubscribe();
    handlers[0]!({ payload: 'in flight' });
    unlistenReply.resolve();
    expect(received).toEqual([]);
  });

  it('close() before listen() resolves still unlistens once it resolves, and subscribe rejects with closed', async () => {
    const t = controlledListen();
    const received: unknown[] = [];
    const subscriber = createTauriSubscriber({ listen: t.listen });
    const subscribing = subscriber.subscribe((p) => received.push(p));
    await settle();
    expect(subscriber.listenerCount()).toBe(1);
    subscriber.close();
    expect(subscriber.listenerCount()).toBe(0);
    t.emit('after close');
    expect(t.unlistens).not.toHaveBeenCalled(); // nothing to call yet
    t.gates[0]!.resolve();
    await expect(subscribing).rejects.toMatchObject({ code: 'closed' });
    expect(t.unlistens).toHaveBeenCalledTimes(1);
    expect(t.handlers.size).toBe(0);
    expect(received).toEqual([]);
    await expect(subscriber.subscribe(() => {})).rejects.toMatchObject({ code: 'closed' });
  });

  it('swallows a rejecting or throwing unlisten (the window may already be gone)', async () => {
    const rejecting: TauriListen = async () => () => Promise.reject(new Error('webview destroyed'));
    const throwing: TauriListen = async () => () => {
      throw new Error('boom');
    };
    for (const listen of [rejecting, throwing]) {
      const unsubscribe = await createTauriSubscriber({ listen }).subscribe(() => {});
      expect(() => unsubscribe()).not.toThrow();
    }
    await settle(); // an unhandled rejection would fail this test run
  });

  it('rejects when listen() rejects and holds nothing afterwards', async () => {
    const failure = new Error('event plugin not allowed');
    const subscriber = createTauriSubscriber({ listen: () => Promise.reject(failure) });
    await expect(subscriber.subscribe(() => {})).rejects.toBe(failure);
    expect(subscriber.listenerCount()).toBe(0);
  });

  it('rejects with invalid_unlisten when listen() does not resolve to a function', async () => {
    const listen = (async () => 'not a function') as unknown as TauriListen;
    const subscriber = createTauriSubscriber({ listen });
    await expect(subscriber.subscribe(() => {})).rejects.toMatchObject({
      code: 'invalid_unlisten',
    });
    expect(subscriber.listenerCount()).toBe(0);
  });

  it('rejects bad options at once with invalid_argument', () => {
    for (const options of [
      { event: '', listen: async () => () => {} },
      { event: '  ', listen: async () => () => {} },
      { event: 7, listen: async () => () => {} },
      { event: 'app.changed', listen: async () => () => {} },
      { event: 'a b', listen: async () => () => {} },
      { listen: 'listen' },
      {}, // listen is required: this package never imports @tauri-apps/api itself
    ]) {
      expect(() => createTauriSubscriber(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });

  it('names the option and the value it got (the code says what is wrong)', () => {
    expect(() => createTauriSubscriber({ event: 'a b', listen: async () => () => {} })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: '[state-sync] event "a b"' }),
    );
    expect(() => createTauriSubscriber({ listen: 'listen' as never })).toThrow(
      expect.objectContaining({ message: '[state-sync] listen "listen"' }),
    );
  });
});
