// A scenario is one guarantee of the contract with a stable id, a hint for whoever breaks it, and
// a body. `runScenario` runs one against a factory (inside vitest or programmatically) and turns
// any failure into a ContractViolation that names the guarantee; groups register them with vitest.
import { describe, it } from 'vitest';
import { type Fixture, openFixture } from './fixture';
import type { ContractOptions, HarnessFactory, TransportHarness } from './harness';

export type Capability = 'restart' | 'sendRaw';

export interface ContractScenario {
  /** Stable id of the guarantee, `group/name`: what a failure and your own tests refer to. */
  readonly id: string;
  /** The `it` title: the guarantee as a sentence. */
  title(options: ContractOptions): string;
  /** Where to look when it breaks (which half of the transport, which rule of the guide). */
  readonly hint: string;
  /** Harness capabilities the scenario needs; without them it is reported as skipped. */
  readonly requires?: readonly Capability[];
  /** Base time budget in ms, multiplied by `timeScale`. */
  readonly timeoutMs: number;
  run(f: Fixture, options: ContractOptions): Promise<void>;
}

export interface ScenarioGroup {
  /** The `describe` title. */
  readonly title: string;
  readonly scenarios: readonly ContractScenario[];
}

export type ScenarioResult = { status: 'passed' } | { status: 'skipped'; reason: string };

/** Thrown when a transport breaks a guarantee: `guarantee` is the scenario id, `hint` says where to look. */
export class ContractViolation extends Error {
  readonly guarantee: string;
  readonly hint: string;
  /** Copied from an assertion error so vitest still shows its diff. */
  readonly actual?: unknown;
  readonly expected?: unknown;
  readonly showDiff?: boolean;

  constructor(transport: string, scenario: ContractScenario, title: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `[state-sync contract] "${transport}" broke guarantee ${scenario.id}: ${title}\n` +
        `  What to look at: ${scenario.hint}\n` +
        `  What failed: ${detail}`,
      { cause },
    );
    this.name = 'ContractViolation';
    this.guarantee = scenario.id;
    this.hint = scenario.hint;
    if (typeof cause === 'object' && cause !== null) {
      const c = cause as { actual?: unknown; expected?: unknown; showDiff?: boolean };
      if ('actual' in c) this.actual = c.actual;
      if ('expected' in c) this.expected = c.expected;
      if ('showDiff' in c) this.showDiff = c.showDiff;
    }
  }
}

const missing = (harness: TransportHarness, requires: readonly Capability[] = []) =>
  requires.filter((capability) => typeof harness[capability] !== 'function');

/**
 * Runs one scenario against a fresh harness from `factory` and closes everything it opened, even
 * on failure. Resolves to passed or skipped (a capability is missing); rejects with a
 * ContractViolation naming the guarantee when the transport breaks it, or the scenario's time
 * budget (× timeScale) runs out. Call it inside a vitest test (it uses vitest's `expect`).
 */
export async function runScenario(
  scenario: ContractScenario,
  name: string,
  factory: HarnessFactory,
  options: ContractOptions = {},
): Promise<ScenarioResult> {
  const title = scenario.title(options);
  const budget = scenario.timeoutMs * (options.timeScale ?? 1);
  const f = await openFixture(name, factory, options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const absent = missing(f.harness, scenario.requires);
    if (absent.length > 0) {
      return { status: 'skipped', reason: `the harness has no ${absent.join(', ')} capability` };
    }
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no result within ${budget} ms: something the scenario awaited (start, refresh, a fetch, an unsubscribe) never settled; raise timeScale if the transport is only slow`,
            ),
          ),
        budget,
      );
    });
    await Promise.race([scenario.run(f, options), deadline]);
    return { status: 'passed' };
  } catch (error) {
    throw new ContractViolation(name, scenario, title, error);
  } finally {
    clearTimeout(timer);
    await f.dispose();
  }
}

/** Registers a group's scenarios as one `describe` block of vitest tests. */
export function registerGroup(
  group: ScenarioGroup,
  name: string,
  factory: HarnessFactory,
  options: ContractOptions = {},
): void {
  describe(group.title, () => {
    for (const scenario of group.scenarios) {
      // vitest's own timeout sits above the scenario's, so the scenario's named failure wins.
      const limit = scenario.timeoutMs * (options.timeScale ?? 1) + 30_000;
      it(
        scenario.title(options),
        async (context) => {
          const result = await runScenario(scenario, name, factory, options);
          if (result.status === 'skipped') context.skip(result.reason);
        },
        limit,
      );
    }
  });
}
