import type { InvalidationSubscriber, SnapshotProvider, Source } from '@state-sync/core';

/**
 * One client end of a transport: what one window, tab or connection would hold. The suite builds
 * an engine per topic from `subscriber(topic)` and `provider(topic)`.
 */
export interface ClientEndpoint {
  subscriber(topic: string): InvalidationSubscriber;
  provider<T>(topic: string): SnapshotProvider<T>;
  /** Closes this client (its socket, channel or listeners). */
  close?(): Promise<void> | void;
  /**
   * Capability: handlers this client's transport still holds (socket listeners, channel
   * listeners…). The leak scenario asserts it returns to its starting value.
   */
  listenerCount?(): number;
}

/**
 * What a transport hands the suite for one test. The factory must return a fresh, isolated
 * harness each time; the suite calls `close()` after the test, even when it fails. Every
 * requirement is listed in HARNESS_REQUIREMENTS (and in the package README).
 */
export interface TransportHarness {
  /**
   * The source of truth the transport serves now. The suite changes state only through it and
   * reads this property again after `restart()`: define it as a getter when you have `restart`.
   * Its `listenerCount()` must count the listeners your transport attached (leak checks).
   */
  readonly source: Source;
  /**
   * Opens a new client end (a new connection, a new window). Its `provider(topic)` must answer
   * for a topic that this client end does not follow: the suite fetches through one client end
   * and listens through another to model an invalidation that never arrived.
   */
  connect(): Promise<ClientEndpoint> | ClientEndpoint;
  /**
   * Capability: replace the source by a new one, as a server restart with a memory store does
   * (new epoch, revisions back at "0", data given by `initial` per topic). Clients must resync.
   */
  restart?(initial: Record<string, unknown>): Promise<void>;
  /**
   * Capability: deliver `payload` through the real transport as if it were an invalidation for
   * `topic`, to every connected client. Used to prove garbage from the wire never throws.
   */
  sendRaw?(topic: string, payload: unknown): Promise<void> | void;
  close(): Promise<void> | void;
}

export type HarnessFactory = () => Promise<TransportHarness> | TransportHarness;

export interface ContractOptions {
  /**
   * Multiplies every wait of the suite. Network transports may need 2–5; default 1 (a wait is at
   * most 5 s before the scale).
   */
  timeScale?: number;
  /** fast-check runs of the convergence property. Default: env STATE_SYNC_PROPERTY_RUNS or 1000. */
  propertyRuns?: number;
  /** Start/stop cycles of the leak scenario. Default 1000. */
  leakCycles?: number;
}
