// What getMetrics() counts: traffic, refusals and every limit hit, so an operator sees an attack.

export interface ServerMetrics {
  connections: number;
  accepted: number;
  rejected: number;
  badMessages: number;
  tooLarge: number;
  rateLimited: number;
  slowConsumersDropped: number;
  /** Topics refused by maxTopicsPerConnection (`too_many_topics`). */
  topicsRefused: number;
  /** Requests refused by maxRequestsInFlight (`too_many_requests`). */
  requestsRefused: number;
  /** Connections closed (1008) for too many messages before authentication. */
  preAuthOverflows: number;
  /** Connections closed (1013) because the server was at maxConnections. */
  connectionsRefused: number;
  invalidationsSent: number;
  /**
   * Invalidation frames serialised: one per change and kind of subscriber (with push features or
   * without), never one per subscriber. `JSON.stringify` calls for fan-out = this.
   */
  invalidationFrames: number;
  /** Invalidations sent with a delta / with the whole (small) state inline. */
  deltasPushed: number;
  inlinePushed: number;
  /** `get` with `since` answered with one combined delta instead of a snapshot. */
  resumedWithDelta: number;
  snapshotsSent: number;
  beaconsSent: number;
  /** Mutator `mutate`s applied (write path; each (clientId, seq) once). */
  mutationsApplied: number;
  /** Mutator `mutate`s refused (`MutationRejected`: invalid args, the mutator's own refusal…). */
  mutationsRejected: number;
  /** Resends of a mutation already applied: acked `duplicate`, not applied again. */
  mutationsDuplicate: number;
  /** Mutator `mutate`s that failed otherwise (a store outage), answered `unavailable`. */
  mutationsFailed: number;
}

export function createServerMetrics(): ServerMetrics {
  return {
    connections: 0,
    accepted: 0,
    rejected: 0,
    badMessages: 0,
    tooLarge: 0,
    rateLimited: 0,
    slowConsumersDropped: 0,
    topicsRefused: 0,
    requestsRefused: 0,
    preAuthOverflows: 0,
    connectionsRefused: 0,
    invalidationsSent: 0,
    invalidationFrames: 0,
    deltasPushed: 0,
    inlinePushed: 0,
    resumedWithDelta: 0,
    snapshotsSent: 0,
    beaconsSent: 0,
    mutationsApplied: 0,
    mutationsRejected: 0,
    mutationsDuplicate: 0,
    mutationsFailed: 0,
  };
}
