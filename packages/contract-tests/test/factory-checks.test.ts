import { describe, expect, it } from 'vitest';
import { assertHarness } from '../src/factory';
import { describeTransportContract } from '../src/index';

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
      assertHarness({ source: { topic() {} }, connect() {}, close() {}, restart: 5 }, 'x'),
    ).toThrow(/`restart` must be a function when given/);
  });
});
