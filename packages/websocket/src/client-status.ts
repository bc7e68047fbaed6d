// The client's status ('connecting' → 'open' ⇄ 'reconnecting' → 'closed') and its listeners.
import type { ClientStatus } from './client-options';

type Listener = (status: ClientStatus) => void;

/** A tuple, not an object: its one caller names the parts, and the browser bundle stays small. */
export type StatusCell = [
  get: () => ClientStatus,
  /** Notifies every listener when the status changes; a throwing listener is skipped. */
  set: (next: ClientStatus) => void,
  listen: (listener: Listener) => () => void,
  /** Forgets every listener (on close). */
  clear: () => void,
];

export function createStatusCell(first?: Listener): StatusCell {
  let status: ClientStatus = 'connecting';
  const listeners = new Set<Listener>();
  if (first) listeners.add(first);
  return [
    () => status,
    (next) => {
      if (status === next) return;
      status = next;
      for (const listener of [...listeners]) {
        try {
          listener(next);
        } catch {
          // a throwing listener must not break the socket loop
        }
      }
    },
    (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    () => listeners.clear(),
  ];
}
