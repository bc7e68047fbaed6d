// Who is asking and what they may read: `authenticate(request)` once per request and
// `authorize(principal, topic)` per topic, with their refusals as answers (401, 403).
import { StateSyncHttpError, type StateSyncHttpErrorCode, wireMessage } from './errors';
import type { HttpSyncHandlerOptions } from './options';

export type Refusal = { code: StateSyncHttpErrorCode; message: string; topic?: string };

export interface Access<P> {
  /** The principal, or a refusal (401) when `authenticate` says no. */
  principalOf(request: Request): Promise<{ principal: P } | { refusal: Refusal; status?: number }>;
  /** `authorize`'s answer; a throw is reported and refuses. */
  allowed(principal: P, topic: string): Promise<boolean>;
}

export function createAccess<P>(
  { authenticate, authorize }: Pick<HttpSyncHandlerOptions<P>, 'authenticate' | 'authorize'>,
  report: (error: StateSyncHttpError) => void,
): Access<P> {
  return {
    async principalOf(request) {
      if (!authenticate) return { principal: undefined as P };
      try {
        const principal = await authenticate(request);
        if (principal === undefined || principal === null || (principal as unknown) === false)
          return { refusal: { code: 'unauthorized', message: 'unauthorized' } };
        return { principal };
      } catch (cause) {
        const error = cause instanceof StateSyncHttpError ? cause : undefined;
        return {
          refusal: { code: 'unauthorized', message: error ? wireMessage(error) : 'unauthorized' },
          ...(error?.status === undefined ? {} : { status: error.status }),
        };
      }
    },
    async allowed(principal, topic) {
      if (!authorize) return true;
      try {
        return (await authorize(principal, topic)) === true;
      } catch (cause) {
        report(
          new StateSyncHttpError('forbidden', `authorize threw for "${topic}": refused`, {
            cause,
            topic,
          }),
        );
        return false;
      }
    },
  };
}
