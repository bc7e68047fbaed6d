import { createMemoryTransport, createSource } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { assertEndpoint, assertHarness, HARNESS_REQUIREMENTS } from '../src/factory';
import {
  ContractViolation,
  describeTransportContract,
  runScenario,
  type TransportHarness,
  transportScenarios,
} from '../src/index';

const scenario = (id: string) => transportScenarios.find((s) => s.id === id)!;

describe('describeTransportContract argument checks', () => {
  it('throws a TypeError naming the problem when the factory is not a function', () => {
    expect(() => describeTransportContract('x', undefined as never)).toThrow(
      /factory must be a function/,
    );
    expect(() => describeTransportContract('', () => ({}) as never)).toThrow(TypeError);
    expect(() => describeTransportContract('x', () => ({}) as never, { timeScale: 0 })).toThrow(
      /timeScale/,
    );
  });

  it('says which part of a harness is missing', () => {
    expect(() => assertHarness({}, 'x')).toThrow(
      /`source` must be a Source.*`connect` must be a function.*`close` must be a function/,
    );
    expect(() => assertHarness(null, 'x')).toThrow(/got null/);
    expect(() =>
      assertHarness({ source: createSource(), connect() {}, close() {}, restart: 5 } as never, 'x'),
    ).toThrow(/`restart` must be a function when given/);
    expect(() => assertHarness({ source: { topic() {} }, connect() {}, close() {} }, 'x')).toThrow(
      /missing getEpoch\(\), listenerCount\(\)/,
    );
  });

  it('lists every requirement of a harness in the TypeError, including the source getter', () => {
    let message = '';
    try {
      assertHarness({}, 'x');
    } catch (error) {
      message = (error as Error).message;
    }
    for (const requirement of HARNESS_REQUIREMENTS) expect(message).toContain(requirement);
    expect(message).toContain('get source()');
    expect(() => describeTransportContract('x', 5 as never)).toThrow(/get source\(\)/);
  });

  it('refuses a factory that hands out the same harness twice', () => {
    const seen = new WeakSet<object>();
    const harness = { source: createSource(), connect() {}, close() {} };
    assertHarness(harness, 'x', seen);
    expect(() => assertHarness(harness, 'x', seen)).toThrow(/same harness object/);
  });

  it('says what a client end is missing', () => {
    expect(() => assertEndpoint({ subscriber() {} }, 'x')).toThrow(
      /`provider\(topic\)` is not a function/,
    );
    expect(() => assertEndpoint({ subscriber() {}, provider() {}, close: 1 }, 'x')).toThrow(
      /`close` must be a function when given/,
    );
  });
});

function memoryHarness(
  provider?: (topic: string) => { getSnapshot(): Promise<never> },
): TransportHarness {
  const source = createSource();
  const transport = createMemoryTransport(source);
  return {
    source,
    connect: () => ({
      subscriber: (topic) => transport.subscriber(topic),
      provider: (topic) => provider?.(topic) ?? transport.provider(topic),
    }),
    close: () => source.close(),
  };
}

describe('runScenario', () => {
  it('resolves passed for a transport that keeps the guarantee', async () => {
    await expect(
      runScenario(scenario('late-join/latest-state'), 'memory', () => memoryHarness()),
    ).resolves.toEqual({ status: 'passed' });
  });

  it('reports a missing capability as skipped, naming it', async () => {
    await expect(
      runScenario(scenario('epoch/restart-resync'), 'memory', () => memoryHarness()),
    ).resolves.toEqual({ status: 'skipped', reason: 'the harness has no restart capability' });
  });

  it('turns a hanging transport into a violation of the guarantee, not a test timeout', async () => {
    const hanging = () => ({ getSnapshot: () => new Promise<never>(() => {}) });
    const outcome = await runScenario(
      scenario('late-join/latest-state'),
      'hanging',
      () => memoryHarness(hanging),
      { timeScale: 0.01 },
    ).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(ContractViolation);
    expect((outcome as ContractViolation).guarantee).toBe('late-join/latest-state');
    expect((outcome as Error).message).toMatch(/no result within 300 ms/);
  });

  it('keeps the diff of the assertion that failed', async () => {
    const empty = () => ({
      getSnapshot: async () => ({ revision: '0', data: null }) as never,
    });
    const outcome = (await runScenario(
      scenario('late-join/latest-state'),
      'empty',
      () => memoryHarness(empty),
      { timeScale: 0.1 },
    ).catch((error: unknown) => error)) as ContractViolation;
    expect(outcome.message).toContain('What failed: revision after start()');
    expect(outcome.expected).toBe('3');
    expect(outcome.actual).toBe('0');
  });
});
