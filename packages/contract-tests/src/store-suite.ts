// `describeStoreContract(name, factory, options)`: the conformance suite every SourceStore (memory,
// SQLite, Redis, yours) passes. One call registers every group with vitest.
import { describe } from 'vitest';
import { describeStoreDeltaLog } from './store-delta-scenarios';
import { assertStoreFactory, type StoreContractOptions, type StoreFactory } from './store-harness';
import { describeStoreMutations } from './store-mutation-scenarios';
import { describeStoreModelProperty } from './store-property';
import {
  describeStoreCompareAndSet,
  describeStoreDurability,
  describeStoreEpoch,
  describeStoreReadWrite,
  describeStoreSubscribe,
} from './store-scenarios';

export function describeStoreContract(
  name: string,
  factory: StoreFactory,
  options: StoreContractOptions = {},
): void {
  assertStoreFactory(name, factory, options);
  describe(`state-sync store contract: ${name}`, () => {
    describeStoreReadWrite(name, factory, options);
    describeStoreCompareAndSet(name, factory, options);
    describeStoreEpoch(name, factory, options);
    describeStoreDeltaLog(name, factory, options);
    describeStoreModelProperty(name, factory, options);
    if (options.durable) describeStoreDurability(name, factory, options);
    if (options.shared) describeStoreSubscribe(name, factory, options);
    if (options.mutations) describeStoreMutations(name, factory, options);
  });
}

export {
  describeStoreCompareAndSet,
  describeStoreDeltaLog,
  describeStoreDurability,
  describeStoreEpoch,
  describeStoreModelProperty,
  describeStoreMutations,
  describeStoreReadWrite,
  describeStoreSubscribe,
};
