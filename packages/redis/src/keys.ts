// Key layout. Every key of one topic carries the topic in a hash tag (`{…}`), so on Redis Cluster
// the record and its delta log live in one slot and one Lua script may touch both. The epoch key
// stands alone; scripts never touch it together with a topic's keys.
//
//   <prefix>:epoch            string  the epoch (created with SET NX when missing)
//   <prefix>:{<topic>}:rec    hash    e = epoch, r = revision, d = data (JSON), lb = log bytes
//   <prefix>:{<topic>}:log    list    delta log, oldest first: '<revision> <ops JSON>'
//   <prefix>:events           channel invalidations and epoch changes (classic PUBLISH reaches
//                                     every node of a cluster)
//   <prefix>:mut:c:<clientId> string  the client's last mutation: '<seq>' or '<seq> <rejection
//                                     JSON>', expiring (PX) mutations.ttlMs after its last update
//   <prefix>:mut:clients      zset    client ids scored by last update (ms, Redis TIME), for the
//                                     mutations.maxClients bound
// The mutation keys are global, not under a topic's hash tag: a write carrying a mutation touches
// two slots, so exactly-once writes need a single Redis, not Cluster (mutation-lua.ts).

export interface KeyLayout {
  readonly prefix: string;
  readonly epoch: string;
  readonly channel: string;
  record(topic: string): string;
  log(topic: string): string;
  /** Key of a client's last mutation; `mutationKeyPrefix + clientId`. */
  mutation(clientId: string): string;
  readonly mutationKeyPrefix: string;
  /** Sorted set of the clients with a mutation record, by last update. */
  readonly mutationClients: string;
  /** SCAN pattern matching every key of this prefix (for cleanup tools and tests). */
  readonly pattern: string;
}

export function keyLayout(prefix: string): KeyLayout {
  return {
    prefix,
    epoch: `${prefix}:epoch`,
    channel: `${prefix}:events`,
    record: (topic) => `${prefix}:{${topic}}:rec`,
    log: (topic) => `${prefix}:{${topic}}:log`,
    mutation: (clientId) => `${prefix}:mut:c:${clientId}`,
    mutationKeyPrefix: `${prefix}:mut:c:`,
    mutationClients: `${prefix}:mut:clients`,
    pattern: `${escapeGlob(prefix)}:*`,
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
