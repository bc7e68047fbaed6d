import { createMemoryStore } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from '../src/index';
import { assertStoreHarness } from '../src/store-harness';

describe('describeStoreContract argument checks', () => {
  it('throws a TypeError naming the problem when the arguments are wrong', () => {
    expect(() => describeStoreContract('x', undefined as never)).toThrow(
      /factory must be a function/,
    );
    expect(() => describeStoreContract('', () => ({}) as never)).toThrow(TypeError);
    expect(() => describeStoreContract('x', () => ({}) as never, { timeScale: -1 })).toThrow(
      /timeScale/,
    );
  });

  it('says which part of a harness is missing, including what a capability flag needs', () => {
    expect(() => assertStoreHarness({}, 'x', {})).toThrow(
      /`store.getEpoch` must be a function.*`store.readSince` must be a function.*`dispose`/,
    );
    expect(() => assertStoreHarness(null, 'x', {})).toThrow(/got null/);
    const harness = { store: createMemoryStore(), dispose() {} };
    expect(() => assertStoreHarness(harness, 'x', {})).not.toThrow();
    expect(() => assertStoreHarness(harness, 'x', { durable: true })).toThrow(/`reopen`/);
    expect(() => assertStoreHarness(harness, 'x', { shared: true })).toThrow(
      /`peer`.*`store.subscribe`/,
    );
  });
});
