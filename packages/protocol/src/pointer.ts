// JSON Pointers (RFC 6901), the paths of RFC 6902 operations. Parsing refuses, besides malformed
// pointers, the three segments that plain-object code turns into prototype access, so a delta
// from the network can never reach `Object.prototype` whatever code handles its paths later.
import { quote, StateSyncProtocolError } from './errors';

/** Default bound on a pointer's length in characters (also bounds the depth one op walks). */
export const MAX_POINTER_LENGTH = 1024;

/** Segments refused anywhere in a path: they address prototypes, never JSON data. */
export const FORBIDDEN_SEGMENTS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Why `pointer` is not a usable JSON Pointer, or undefined when it is. The problem is the code
 * `parsePointer` throws with and a message that names the pointer.
 */
export function pointerProblem(
  pointer: unknown,
  maxLength: number = MAX_POINTER_LENGTH,
): { code: 'invalid_path' | 'forbidden_path'; message: string } | undefined {
  if (typeof pointer !== 'string')
    return { code: 'invalid_path', message: `a path must be a string, not ${typeof pointer}` };
  if (pointer.length > maxLength)
    return {
      code: 'invalid_path',
      message: `path ${quote(pointer)}… is longer than ${maxLength} characters`,
    };
  if (pointer !== '' && pointer[0] !== '/')
    return { code: 'invalid_path', message: `path ${quote(pointer)} must be "" or start with "/"` };
  if (/~[^01]|~$/.test(pointer))
    return {
      code: 'invalid_path',
      message: `path ${quote(pointer)} has a "~" not followed by 0 or 1 (write "~0" for "~", "~1" for "/")`,
    };
  for (const segment of splitPointer(pointer)) {
    if (FORBIDDEN_SEGMENTS.includes(segment))
      return {
        code: 'forbidden_path',
        message: `path ${quote(pointer)} has a "${segment}" segment: refused, it addresses a prototype`,
      };
  }
  return undefined;
}

/** The unescaped segments of `pointer` (`""` → `[]`); throws `StateSyncProtocolError`. */
export function parsePointer(pointer: unknown, maxLength?: number): string[] {
  const problem = pointerProblem(pointer, maxLength);
  if (problem) throw new StateSyncProtocolError(problem.code, problem.message);
  return splitPointer(pointer as string);
}

/** The pointer of `segments` (`[]` → `""`), escaping `~` and `/`. */
export function formatPointer(segments: readonly (string | number)[]): string {
  let pointer = '';
  for (const segment of segments)
    pointer += `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return pointer;
}

function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}
