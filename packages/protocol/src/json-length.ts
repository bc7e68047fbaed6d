/**
 * True when `JSON.stringify(value)` is longer than `limit` characters, found by walking the
 * value and stopping as soon as the count passes `limit`: deciding that a 60-character delta
 * beats a 100 KB state reads about 60 characters of the state, not 100 KB.
 */
export function jsonLengthExceeds(value: unknown, limit: number): boolean {
  return measure(value, limit) > limit;
}

/** The JSON length of `value`, or any number past `budget` once it is clear it is larger. */
function measure(value: unknown, budget: number): number {
  switch (typeof value) {
    case 'string':
      // Escapes make JSON longer than the string; only measure exactly when it could matter.
      return value.length + 2 > budget ? value.length + 2 : JSON.stringify(value).length;
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4; // NaN, Infinity → null
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return (JSON.stringify(value) ?? '').length;
      let total = 1; // "[" or "{"
      let first = true;
      if (Array.isArray(value)) {
        for (const item of value) {
          const omitted =
            item === undefined || typeof item === 'function' || typeof item === 'symbol';
          total += (first ? 0 : 1) + (omitted ? 4 : measure(item, budget - total)); // → null
          first = false;
          if (total > budget) return total;
        }
      } else {
        for (const key of Object.keys(value)) {
          const item = (value as Record<string, unknown>)[key];
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol')
            continue;
          total += (first ? 0 : 1) + JSON.stringify(key).length + 1 + measure(item, budget - total);
          first = false;
          if (total > budget) return total;
        }
      }
      return total + 1;
    }
    default:
      return 0; // undefined, functions, symbols: JSON leaves them out (or writes null in arrays)
  }
}
