// The exactly-once memory of the IndexedDB store (docs/writes.md): per client, its last processed
// mutation, in the `clients` object store, read and written inside the caller's transaction so a
// mutation and the state it produced commit together. Bounded like core's memory store: a count of
// clients (the least recently written goes first) and a TTL.
import type { MutationMemoryOptions, MutationRecord } from '@state-sync/core';

export const CLIENTS = 'clients';
/** The index of `clients` by the time each client last had a mutation processed. */
const BY_TIME = 'at';

interface StoredClient extends MutationRecord {
  at: number;
}

export interface ClientLimits extends Required<MutationMemoryOptions> {
  now: () => number;
}

/** Creates the object store (database version 2); version 1 databases gain it on upgrade. */
export function createClientsStore(database: IDBDatabase): void {
  if (database.objectStoreNames.contains(CLIENTS)) return;
  database.createObjectStore(CLIENTS).createIndex(BY_TIME, 'at');
}

/** The stored record, or undefined when there is none or it outlived the TTL. */
function live(value: unknown, limits: ClientLimits): MutationRecord | undefined {
  const stored = value as StoredClient | undefined;
  if (!stored || stored.at <= limits.now() - limits.ttlMs) return undefined;
  return stored.rejection ? { seq: stored.seq, rejection: stored.rejection } : { seq: stored.seq };
}

/** Reads a client's last processed mutation within a transaction on `clients`. */
export function readClient(
  clients: IDBObjectStore,
  clientId: string,
  limits: ClientLimits,
  then: (record: MutationRecord | undefined) => void,
): void {
  const request = clients.get(clientId);
  request.onsuccess = () => then(live(request.result, limits));
}

/**
 * Stores `record` as the client's last processed mutation, then forgets the clients past the TTL
 * and the least recently written beyond `maxClients`, counting each in `onEvicted`.
 */
export function writeClient(
  clients: IDBObjectStore,
  clientId: string,
  record: MutationRecord,
  limits: ClientLimits,
  onEvicted: () => void,
): void {
  const now = limits.now();
  clients.put({ ...record, at: now } satisfies StoredClient, clientId);
  const counting = clients.count();
  counting.onsuccess = () => {
    let count = counting.result;
    const cursor = clients.index(BY_TIME).openCursor();
    cursor.onsuccess = () => {
      const at = cursor.result;
      if (!at) return;
      const expired = (at.value as StoredClient).at <= now - limits.ttlMs;
      if (count <= limits.maxClients && !expired) return;
      at.delete();
      count--;
      onEvicted();
      at.continue();
    };
  };
}

/** Reads the client and calls `then(true)` when `seq` is above its last processed one. */
export function acceptsClient(
  clients: IDBObjectStore,
  clientId: string,
  seq: number,
  limits: ClientLimits,
  then: (accepted: boolean) => void,
): void {
  readClient(clients, clientId, limits, (record) => then((record?.seq ?? 0) < seq));
}
