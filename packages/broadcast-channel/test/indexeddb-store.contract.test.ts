// The IndexedDB store against the shared SourceStore conformance groups (fake-indexeddb): reads and
// compare-and-set writes, epoch, durability across a reopen, the model property, and the
// `mutations` capability (exactly-once records written with the state, bounded). The delta-log
// group is left out: it checks core's default bound (100 entries), while this store keeps its log
// inside the topic's record and documents 32 entries / 64 KiB (its own bound is tested in
// indexeddb-store.test.ts).
import {
  describeStoreCompareAndSet,
  describeStoreDurability,
  describeStoreEpoch,
  describeStoreModelProperty,
  describeStoreMutations,
  describeStoreReadWrite,
  type StoreContractOptions,
  type StoreFactory,
} from '@state-sync/contract-tests';
import { IDBFactory } from 'fake-indexeddb';
import { describe } from 'vitest';
import { createIndexedDbStore } from '../src/index';

const factory: StoreFactory = ({ deltaLog }) => {
  const indexedDB = new IDBFactory();
  const open = () =>
    createIndexedDbStore({ dbName: 'contract', indexedDB, ...(deltaLog ? { deltaLog } : {}) });
  return { store: open(), reopen: open, dispose() {} };
};
const options: StoreContractOptions = {
  durable: true,
  metrics: true,
  mutations: true,
  propertyRuns: 20,
};

describe('indexeddb store conformance', () => {
  describeStoreReadWrite('indexeddb', factory, options);
  describeStoreCompareAndSet('indexeddb', factory, options);
  describeStoreEpoch('indexeddb', factory, options);
  describeStoreDurability('indexeddb', factory, options);
  describeStoreModelProperty('indexeddb', factory, options);
  describeStoreMutations('indexeddb', factory, options);
});
