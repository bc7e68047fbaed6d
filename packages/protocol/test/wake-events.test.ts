import { afterEach, describe, expect, it, vi } from 'vitest';
import { listenForWake } from '../src/index';

function stubBrowser(visibilityState: 'visible' | 'hidden') {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState });
  vi.stubGlobal('window', win);
  vi.stubGlobal('document', doc);
  return { win, doc };
}

describe('listenForWake', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('answers undefined and listens to nothing outside a browser', () => {
    const onWake = vi.fn();
    expect(listenForWake(onWake)).toBeUndefined();
    expect(onWake).not.toHaveBeenCalled();
  });

  it('wakes when the network comes back and when the page becomes visible, not when hidden', () => {
    const { win, doc } = stubBrowser('hidden');
    const onWake = vi.fn();
    listenForWake(onWake);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onWake).not.toHaveBeenCalled();
    win.dispatchEvent(new Event('online'));
    expect(onWake).toHaveBeenCalledTimes(1);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onWake).toHaveBeenCalledTimes(2);
  });

  it('stops waking once detached', () => {
    const { win, doc } = stubBrowser('visible');
    const onWake = vi.fn();
    const detach = listenForWake(onWake);
    detach?.();
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onWake).not.toHaveBeenCalled();
  });
});
