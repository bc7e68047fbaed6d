// Shape checks of what a user hands the suite: wrong arguments fail at collection, a wrong harness
// fails its first test, each with a TypeError that says what is wrong and what the suite needs.
import type { ClientEndpoint, ContractOptions, HarnessFactory, TransportHarness } from './harness';

/** Every requirement the suite places on a harness, quoted in the TypeErrors below. */
export const HARNESS_REQUIREMENTS = [
  'the factory returns a fresh, isolated harness on every call (one per test; the suite reuses topic names across tests)',
  '`source` is the Source (from createSource) your transport serves right now; with `restart`, make it a getter (`get source() { return current; }`) so the suite sees the new source after a restart',
  '`source.listenerCount()` counts the listeners your transport attached to the source (the leak checks compare it before and after)',
  '`connect()` returns a new, independent client end { subscriber(topic), provider(topic), close?(), listenerCount?() }; subscriber(topic) and provider(topic) may be called many times per topic, and provider(topic) must answer for a topic its own connection does not follow',
  '`close()` releases everything; the suite calls it after every test, even a failing one, after closing every client end',
  'optional `restart(initial)`: replace the source by a new one (new epoch, revisions back at "0", data `initial[topic]`) and let your transport tell its clients to resync',
  'optional `sendRaw(topic, payload)`: push `payload` through your wire as an invalidation for `topic` to every client following it',
] as const;

const requirementsText = () => HARNESS_REQUIREMENTS.map((r, i) => `  ${i + 1}. ${r}`).join('\n');

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
      `describeTransportContract("${name}", factory): factory must be a function returning a fresh TransportHarness ({ source, connect, close }), got ${typeof factory}. A harness must meet these requirements:\n${requirementsText()}`,
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

const SOURCE_METHODS = ['topic', 'getEpoch', 'listenerCount'] as const;

/**
 * Checks one harness the factory returned. `seen` holds the harnesses returned before, so a
 * factory that hands out the same object twice is caught instead of leaking state across tests.
 */
export function assertHarness(
  value: unknown,
  name: string,
  seen?: WeakSet<object>,
): asserts value is TransportHarness {
  const h = value as Partial<TransportHarness> | null;
  const problems: string[] = [];
  if (typeof h !== 'object' || h === null) problems.push(`got ${h === null ? 'null' : typeof h}`);
  else {
    if (seen?.has(h)) {
      problems.push('it returned the same harness object as an earlier call; return a new one');
    }
    const source = h.source as Partial<Record<string, unknown>> | undefined;
    const absent = SOURCE_METHODS.filter((method) => typeof source?.[method] !== 'function');
    if (absent.length > 0) {
      problems.push(
        `\`source\` must be a Source from createSource() (missing ${absent.map((m) => `${m}()`).join(', ')})`,
      );
    }
    if (typeof h.connect !== 'function') {
      problems.push('`connect` must be a function returning a ClientEndpoint');
    }
    if (typeof h.close !== 'function') problems.push('`close` must be a function');
    for (const key of ['restart', 'sendRaw'] as const) {
      if (h[key] !== undefined && typeof h[key] !== 'function') {
        problems.push(`\`${key}\` must be a function when given`);
      }
    }
  }
  if (problems.length > 0) {
    throw new TypeError(
      `describeTransportContract("${name}"): the factory must return a TransportHarness: ${problems.join('; ')}. A harness must meet these requirements:\n${requirementsText()}`,
    );
  }
  seen?.add(h as object);
}

export function assertEndpoint(value: unknown, name: string): asserts value is ClientEndpoint {
  const e = value as Partial<ClientEndpoint> | null;
  const problems: string[] = [];
  if (typeof e?.subscriber !== 'function') problems.push('`subscriber(topic)` is not a function');
  if (typeof e?.provider !== 'function') problems.push('`provider(topic)` is not a function');
  for (const key of ['close', 'listenerCount'] as const) {
    if (e?.[key] !== undefined && typeof e[key] !== 'function') {
      problems.push(`\`${key}\` must be a function when given`);
    }
  }
  if (problems.length > 0) {
    throw new TypeError(
      `describeTransportContract("${name}"): harness.connect() must return { subscriber(topic), provider(topic), close?(), listenerCount?() }: ${problems.join('; ')}`,
    );
  }
}
