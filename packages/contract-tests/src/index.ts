// @state-sync/contract-tests: `describeTransportContract(name, factory)` registers every scenario
// with vitest; each group is exported too, for transports that want to run one alone.
import { describe } from 'vitest';
import { assertHarnessFactory } from './factory';
import type { ContractOptions, HarnessFactory } from './harness';
import { describeConvergenceProperty } from './property';
import {
  describeCoalescing,
  describeEpoch,
  describeLateJoin,
  describeLifecycle,
  describeOrdering,
  describeProtocolValidation,
  describeRevisionGate,
  describeTopicIsolation,
} from './scenarios';

export function describeTransportContract(
  name: string,
  factory: HarnessFactory,
  options: ContractOptions = {},
): void {
  assertHarnessFactory(name, factory, options);
  describe(`state-sync transport contract: ${name}`, () => {
    describeLateJoin(name, factory, options);
    describeRevisionGate(name, factory, options);
    describeOrdering(name, factory, options);
    describeCoalescing(name, factory, options);
    describeLifecycle(name, factory, options);
    describeProtocolValidation(name, factory, options);
    describeEpoch(name, factory, options);
    describeTopicIsolation(name, factory, options);
    describeConvergenceProperty(name, factory, options);
  });
}

export type { ClientEndpoint, ContractOptions, HarnessFactory, TransportHarness } from './harness';
export { createLink, type Link } from './link';
export { propertyRuns } from './property';
// The SourceStore conformance suite (memory, SQLite, Redis, yours).
export type {
  StoreContractOptions,
  StoreFactory,
  StoreFactoryContext,
  StoreHarness,
} from './store-harness';
export {
  describeStoreCompareAndSet,
  describeStoreContract,
  describeStoreDeltaLog,
  describeStoreDurability,
  describeStoreEpoch,
  describeStoreModelProperty,
  describeStoreReadWrite,
  describeStoreSubscribe,
} from './store-suite';
export {
  describeCoalescing,
  describeConvergenceProperty,
  describeEpoch,
  describeLateJoin,
  describeLifecycle,
  describeOrdering,
  describeProtocolValidation,
  describeRevisionGate,
  describeTopicIsolation,
};
