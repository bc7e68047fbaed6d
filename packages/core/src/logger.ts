export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => {};

export const noopLogger: Logger = { debug: noop, warn: noop, error: noop };

export interface ConsoleLoggerOptions {
  /** Print engine traces (subscribe, refresh, apply, ignore). Default false: warnings and errors only. */
  debug?: boolean;
  /** Prefix for every line. Default `[state-sync]`. */
  prefix?: string;
  console?: Pick<Console, 'debug' | 'warn' | 'error'>;
}

export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const out = options.console ?? console;
  const prefix = options.prefix ?? '[state-sync]';
  return {
    debug: options.debug ? (message, context) => out.debug(prefix, message, context ?? '') : noop,
    warn: (message, context) => out.warn(prefix, message, context ?? ''),
    error: (message, context) => out.error(prefix, message, context ?? ''),
  };
}
