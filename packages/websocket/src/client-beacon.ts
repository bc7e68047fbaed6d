// A `beacon` lists the server's revision of each topic of this connection: forwarded per topic as
// an invalidation with `reason: 'beacon'`, so an engine that missed a change pulls it.

import type { TopicSubscriptions } from './client-subscriptions';
import type { BeaconMessage } from './protocol';

export function forwardBeacon(message: BeaconMessage, subscriptions: TopicSubscriptions): void {
  for (const [topic, revision] of Object.entries(message.revisions)) {
    if (subscriptions.has(topic))
      subscriptions.deliver(topic, { topic, revision, epoch: message.epoch, reason: 'beacon' });
  }
}
