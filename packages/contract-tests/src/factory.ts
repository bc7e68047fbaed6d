import type { ContractOptions, HarnessFactory } from './harness';

/** Checks the arguments up front so a wrong call fails at collection with a clear TypeError. */
export function assertHarnessFactory(
  name: unknown,
  factory: unknown,
  options: ContractOptions,
): asserts factory is HarnessFactory {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(
      'describeTransportContract(name, factory): name must be a non-empty string',
    );
  }
  if (typeof factory !== 'function') {
    throw new TypeError(
      `describeTransportContract("${name}", factory): factory must be a function returning a fresh TransportHarness ({ source, connect, close }), got ${typeof factory}`,
    );
  }
  for (const key of ['timeScale', 'propertyRuns', 'leakCycles'] as const) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new TypeError(
        `describeTransportContract("${name}"): options.${key} must be a positive number, got ${String(value)}`,
      );
    }
  }
}
