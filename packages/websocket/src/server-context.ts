// What every part of the server shares: resolved options, metrics and the error reporter.
import type { StateSyncWebSocketError } from './errors';
import { createServerMetrics, type ServerMetrics } from './server-metrics';
import type { ResolvedServerOptions } from './server-options';

export interface ServerContext<P> {
  readonly options: ResolvedServerOptions<P>;
  readonly metrics: ServerMetrics;
  /** Reports to the user's onError; a throwing onError never breaks the server. */
  report(error: StateSyncWebSocketError): void;
}

export function createServerContext<P>(options: ResolvedServerOptions<P>): ServerContext<P> {
  return {
    options,
    metrics: createServerMetrics(),
    report(error) {
      try {
        options.onError?.(error);
      } catch {
        // a throwing onError must not break the server
      }
    },
  };
}
