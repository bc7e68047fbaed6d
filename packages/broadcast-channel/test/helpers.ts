export { type Deferred, deferred } from '../../../test-utils/async.ts';

// Test plumbing: a raw channel that records (and can post) what travels on an app's channel, and a
// deferred promise for races. Every channel opened here is closed by the test that opened it.
import { onTestFinished } from 'vitest';
import { defaultChannelName, PROTOCOL_MARKER, PROTOCOL_VERSION } from '../src/index';

export interface Wire {
  /** Every message seen on the channel, in order. */
  readonly seen: Array<Record<string, unknown>>;
  of(type: string, from?: string): Array<Record<string, unknown>>;
  post(message: unknown): void;
  /** Posts a message of ours (marker and app id stamped on). */
  send(body: Record<string, unknown>, from?: string): void;
}

export function openWire(appId: string): Wire {
  const channel = new BroadcastChannel(defaultChannelName(appId));
  const seen: Array<Record<string, unknown>> = [];
  channel.onmessage = (event: MessageEvent) => seen.push(event.data as Record<string, unknown>);
  onTestFinished(() => channel.close());
  return {
    seen,
    of: (type, from) =>
      seen.filter((m) => m?.type === type && (from === undefined || m.from === from)),
    post: (message) => channel.postMessage(message),
    send: (body, from = 'wire') =>
      channel.postMessage({ ss: PROTOCOL_MARKER, v: PROTOCOL_VERSION, app: appId, from, ...body }),
  };
}

let counter = 0;
/** A fresh app id per test, so tests running side by side never hear each other. */
export const uniqueAppId = (label: string): string =>
  `${label}-${process.pid}-${++counter}-${Date.now()}`;
