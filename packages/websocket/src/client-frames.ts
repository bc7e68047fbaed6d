// Every frame from the server: validated against the wire schemas, then routed to the part that
// owns it. A bad frame never reaches an engine: it is reported as `invalid_message` and counted.
// The hottest frame, a plain or pushing `invalidate`, is checked by hand first (serverFrameChecks:
// the same rules, several times faster than the schema); anything unusual takes the schema.
import { serverFrameChecks } from '@state-sync/protocol';
import { forwardBeacon } from './client-beacon';
import type { Connection } from './client-connection';
import type { ClientMetrics } from './client-options';
import type { Requests } from './client-requests';
import type { TopicSubscriptions } from './client-subscriptions';
import { StateSyncWebSocketError } from './errors';
import { type InvalidateMessage, parseFrame, serverMessageSchemas } from './protocol';

function decode(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    return new TextDecoder().decode(data as ArrayBuffer);
}

export function createFrameHandler(
  connection: Connection,
  subscriptions: TopicSubscriptions,
  requests: Requests,
  metrics: ClientMetrics,
  report: (error: StateSyncWebSocketError) => void,
  /** Sees every valid `invalidate` first (the `/writes` entry's hook). */
  observe: ((message: InvalidateMessage) => void) | undefined,
): (data: unknown) => void {
  // Read once: a frame then touches the closure's own context, not the subscriptions object.
  const { invalidate } = subscriptions;
  return (data) => {
    metrics.framesReceived++;
    const parsed = parseFrame(serverMessageSchemas, decode(data), serverFrameChecks);
    if (!parsed.ok) {
      metrics.invalidFrames++;
      report(new StateSyncWebSocketError('invalid_message', parsed.problem));
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        return connection.hello(message);
      case 'invalidate': {
        observe?.(message);
        return invalidate(message);
      }
      case 'beacon':
        return forwardBeacon(message, subscriptions);
      case 'snapshot':
      case 'ack':
        return requests.settle(message);
      case 'error':
        return requests.fail(message);
    }
  };
}
