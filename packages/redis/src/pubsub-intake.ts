// Messages from our channel become invalidations for this node's listeners: validated (anyone can
// publish there), checked against the epoch Redis has (never the one a message claims), counted.
import { StateSyncRedisError } from './errors';
import { parseChannelMessage } from './messages';
import type { NodeContext } from './node-context';

/** Subscribes the channel; resolves once Redis confirmed the subscription. */
export async function subscribeIntake(context: NodeContext): Promise<void> {
  const { config, keys, metrics, watched, connections, report } = context;

  async function onMessage(raw: string): Promise<void> {
    metrics.messagesReceived++;
    const parsed = parseChannelMessage(raw, config.maxMessageBytes);
    if (!parsed.ok) {
      metrics.invalidMessages++;
      report(new StateSyncRedisError('invalid_message', `pub/sub ${parsed.problem}`));
      return;
    }
    const message = parsed.message;
    if (message.type === 'epoch' || message.epoch !== context.epoch()) await context.fetchEpoch();
    if (message.type === 'epoch') return;
    if (message.epoch !== context.epoch()) {
      metrics.staleMessages++;
      return;
    }
    if (watched.has(message.topic)) watched.announced(message.topic, message.revision);
    context.emit({
      topic: message.topic,
      revision: message.revision,
      epoch: message.epoch,
      ...(message.sourceId === undefined ? {} : { sourceId: message.sourceId }),
      ...(message.delta === undefined ? {} : { delta: message.delta }),
    });
  }

  await connections.subscriber.subscribe(keys.channel, (raw) => {
    onMessage(String(raw)).catch((cause) =>
      report(
        cause instanceof StateSyncRedisError
          ? cause
          : new StateSyncRedisError('redis_error', 'handling a pub/sub message failed', { cause }),
      ),
    );
  });
}
