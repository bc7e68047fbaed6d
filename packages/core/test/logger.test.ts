import { describe, expect, it, vi } from 'vitest';
import { createConsoleLogger, noopLogger } from '../src/index';

describe('loggers', () => {
  it('the console logger prints warnings and errors, and traces only with debug', () => {
    const out = { debug: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const quiet = createConsoleLogger({ console: out });
    quiet.debug('trace');
    quiet.warn('careful', { topic: 't' });
    quiet.error('broken');
    expect(out.debug).not.toHaveBeenCalled();
    expect(out.warn).toHaveBeenCalledWith('[state-sync]', 'careful', { topic: 't' });
    expect(out.error).toHaveBeenCalledWith('[state-sync]', 'broken', '');
    createConsoleLogger({ console: out, debug: true, prefix: '[app]' }).debug('trace');
    expect(out.debug).toHaveBeenCalledWith('[app]', 'trace', '');
  });

  it('the default logger is silent', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    noopLogger.error('nothing');
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
