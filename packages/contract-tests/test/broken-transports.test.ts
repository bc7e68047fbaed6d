// The suite run against itself: every broken transport must fail the guarantees it breaks, each
// failure naming the guarantee and where to look; correct transports of other shapes pass it all.
import { describe, expect, it } from 'vitest';
import {
  type ContractOptions,
  ContractViolation,
  describeTransportContract,
  runScenario,
  transportScenarios,
} from '../src/index';
import { brokenTransports, correctTransports } from './fixtures/broken-transports';

// Short waits: a broken transport fails its check after 0.5 s instead of 5 s.
const fast: ContractOptions = { timeScale: 0.1, leakCycles: 200, propertyRuns: 100 };

describe('the suite fails broken transports', () => {
  for (const broken of brokenTransports) {
    describe(`${broken.name}: ${broken.what}`, () => {
      for (const id of broken.fails) {
        it(`fails ${id}`, async () => {
          const scenario = transportScenarios.find((s) => s.id === id);
          expect(scenario, `scenario ${id} exists`).toBeDefined();
          const outcome = await runScenario(scenario!, broken.name, broken.factory, fast).then(
            (result) => result,
            (error: unknown) => error,
          );
          expect(outcome).toBeInstanceOf(ContractViolation);
          const violation = outcome as ContractViolation;
          expect(violation.guarantee).toBe(id);
          expect(violation.message).toContain(`broke guarantee ${id}`);
          expect(violation.message).toContain(`What to look at: ${scenario!.hint}`);
          expect(violation.message).toMatch(/What failed: \S/);
          if (broken.says) expect(violation.message).toMatch(broken.says);
        }, 60_000);
      }
    });
  }
});

describe('the suite passes correct transports of other shapes', () => {
  for (const correct of correctTransports) {
    describeTransportContract(correct.name, correct.factory, { propertyRuns: 200 });
  }
});
