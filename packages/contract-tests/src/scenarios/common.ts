// Small helpers shared by the scenario files.
import { createRevisionSync } from '@state-sync/core';
import type { Fixture } from '../fixture';
import type { ClientEndpoint, ContractOptions, HarnessFactory } from '../harness';
import { type ContractScenario, registerGroup, type ScenarioGroup } from '../scenario';

export type N = { n: number };

/** A group as users call it: `describeX(name, factory, options)`. */
export type Group = (name: string, factory: HarnessFactory, options?: ContractOptions) => void;

export function defineGroup(group: ScenarioGroup): Group {
  return (name, factory, options = {}) => registerGroup(group, name, factory, options);
}

/** A scenario whose title does not depend on the options. */
export function scenario(
  id: string,
  title: string,
  hint: string,
  run: ContractScenario['run'],
  extra: { timeoutMs?: number; requires?: ContractScenario['requires'] } = {},
): ContractScenario {
  return { id, title: () => title, hint, run, timeoutMs: extra.timeoutMs ?? 30_000, ...extra };
}

/** Lets transports deliver what is already on its way (one macrotask, not a timed wait). */
export const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Listener counts once one engine has started and stopped on `endpoint`: a transport that keeps
 * one shared listener per connection (attached on first use) has it in the baseline, so the leak
 * checks hold for per-subscription and shared-listener designs alike.
 */
export async function warmBaseline(
  f: Fixture,
  endpoint: ClientEndpoint,
  topic: string,
): Promise<{ source: number; endpoint: number | undefined }> {
  const warm = createRevisionSync<unknown>({
    topic,
    subscriber: endpoint.subscriber(topic),
    provider: endpoint.provider(topic),
    applier: () => {},
  });
  const before = f.harness.source.listenerCount();
  await warm.start();
  warm.stop();
  // Give an asynchronous unsubscribe (a network round trip) a chance to land before sampling; a
  // shared listener that stays keeps the count above `before`, which is fine.
  for (let i = 0; i < 50 && f.harness.source.listenerCount() > before; i++) await macrotask();
  return { source: f.harness.source.listenerCount(), endpoint: endpoint.listenerCount?.() };
}
