// @state-sync/contract-tests: `describeTransportContract(name, factory)` registers every scenario
// with vitest; each group is exported too, and `runScenario` runs one scenario programmatically.
import { describe } from 'vitest';
import { assertHarnessFactory } from './factory';
import type { ContractOptions, HarnessFactory } from './harness';
import type { ContractScenario } from './scenario';
import { convergenceScenario, describeConvergenceProperty } from './scenarios/convergence';
import {
  describeEpoch,
  describeTopicIsolation,
  epochScenarios,
  topicScenarios,
} from './scenarios/epoch';
import {
  describeFreshReads,
  describeLateJoin,
  freshReadScenarios,
  lateJoinScenarios,
} from './scenarios/late-join';
import { describeLifecycle, lifecycleScenarios } from './scenarios/lifecycle';
import {
  coalescingScenarios,
  describeCoalescing,
  describeOrdering,
  describeRevisionGate,
  orderingScenarios,
  revisionGateScenarios,
} from './scenarios/ordering';
import { describeProtocolValidation, protocolScenarios } from './scenarios/protocol';

export function describeTransportContract(
  name: string,
  factory: HarnessFactory,
  options: ContractOptions = {},
): void {
  assertHarnessFactory(name, factory, options);
  describe(`state-sync transport contract: ${name}`, () => {
    describeLateJoin(name, factory, options);
    describeFreshReads(name, factory, options);
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

/** Every scenario of the transport contract, in the order the suite runs them. */
export const transportScenarios: readonly ContractScenario[] = [
  ...lateJoinScenarios,
  ...freshReadScenarios,
  ...revisionGateScenarios,
  ...orderingScenarios,
  ...coalescingScenarios,
  ...lifecycleScenarios,
  ...protocolScenarios,
  ...epochScenarios,
  ...topicScenarios,
  convergenceScenario,
];

export { HARNESS_REQUIREMENTS } from './factory';
export type { ClientEndpoint, ContractOptions, HarnessFactory, TransportHarness } from './harness';
export { createLink, type Link } from './link';
export {
  type Capability,
  type ContractScenario,
  ContractViolation,
  runScenario,
  type ScenarioResult,
} from './scenario';
export { propertyRuns } from './scenarios/convergence';
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
  describeStoreMutations,
  describeStoreReadWrite,
  describeStoreSubscribe,
} from './store-suite';
export {
  describeCoalescing,
  describeConvergenceProperty,
  describeEpoch,
  describeFreshReads,
  describeLateJoin,
  describeLifecycle,
  describeOrdering,
  describeProtocolValidation,
  describeRevisionGate,
  describeTopicIsolation,
};
