// validateBySchema turns the engine's Standard Schema into the check pushed state is held to:
// synchronous for a synchronous schema, awaited for any thenable answer.
import { describe, expect, it } from 'vitest';
import { validateBySchema } from '../src/index';

type Result = { value?: unknown; issues?: { message: string }[] };
const schemaOf = (validate: (value: unknown) => unknown) => ({
  '~standard': { version: 1, vendor: 'test', validate },
});
const check = (value: unknown): Result =>
  typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] };

describe('validateBySchema', () => {
  it('is undefined without a schema', () => {
    expect(validateBySchema(undefined)).toBeUndefined();
  });

  it('answers synchronously for a synchronous schema', () => {
    const validate = validateBySchema(schemaOf(check))!;
    expect(validate(1)).toBe(true);
    expect(validate('x')).toBe(false);
  });

  it('awaits a Promise answer', async () => {
    const validate = validateBySchema(schemaOf(async (value) => check(value)))!;
    await expect(validate(1)).resolves.toBe(true);
    await expect(validate('x')).resolves.toBe(false);
  });

  it('awaits a thenable that is not a Promise, and does not take it for a valid result', async () => {
    // A thenable has no `issues` of its own: read as a result, every value would pass.
    const thenable = (result: Result) => ({
      // biome-ignore lint/suspicious/noThenProperty: a PromiseLike from a schema library
      then: (resolve: (r: Result) => unknown) => Promise.resolve(resolve(result)),
    });
    const validate = validateBySchema(schemaOf((value) => thenable(check(value))))!;
    await expect(validate('x')).resolves.toBe(false);
    await expect(validate(1)).resolves.toBe(true);
  });
});
