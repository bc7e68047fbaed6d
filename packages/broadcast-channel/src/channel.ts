// One BroadcastChannel per end, opened on first use and never posted to once closed: posting to a
// closed channel throws in browsers and Node, and an unmounted component may still try.
import { BroadcastChannelError } from './errors';

/** The BroadcastChannel constructor, injectable for runtimes or tests that bring their own. */
export type BroadcastChannelConstructor = new (name: string) => BroadcastChannel;

export interface ChannelPort {
  /** Posts unless closed; returns false when closed. Throws `post_failed` if the data cannot be cloned. */
  post(message: unknown): boolean;
  readonly closed: boolean;
  close(): void;
}

export function openChannel(
  name: string,
  onMessage: (data: unknown) => void,
  onUndecodable: () => void,
  Ctor?: BroadcastChannelConstructor,
): ChannelPort {
  const Constructor =
    Ctor ?? (globalThis as { BroadcastChannel?: BroadcastChannelConstructor }).BroadcastChannel;
  if (typeof Constructor !== 'function') {
    throw new BroadcastChannelError(
      'unavailable',
      'BroadcastChannel is not available in this runtime: pass options.BroadcastChannel',
    );
  }
  const channel = new Constructor(name);
  const message = (event: MessageEvent) => onMessage(event.data);
  // A message that cannot be deserialised here (e.g. a SharedArrayBuffer from elsewhere).
  const messageerror = () => onUndecodable();
  channel.addEventListener('message', message);
  channel.addEventListener('messageerror', messageerror);
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    post(data) {
      if (closed) return false;
      try {
        channel.postMessage(data);
      } catch (cause) {
        throw new BroadcastChannelError(
          'post_failed',
          `posting to channel "${name}" failed: the message cannot be structured-cloned`,
          { cause },
        );
      }
      return true;
    },
    close() {
      if (closed) return;
      closed = true;
      channel.removeEventListener('message', message);
      channel.removeEventListener('messageerror', messageerror);
      channel.close();
    },
  };
}
