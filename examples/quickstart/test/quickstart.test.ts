import { describe, expect, it } from 'vitest';
import { runQuickstart } from '../src/quickstart';

describe('quickstart example', () => {
  it('every client, the lossy and the late one included, ends on the source state and revision', async () => {
    const lines: string[] = [];
    const result = await runQuickstart((line) => lines.push(line));
    expect(result.sourceRevision).toBe('104');
    for (const [name, client] of Object.entries(result.clients)) {
      expect(client.revision, name).toBe('104');
      expect(client.data, name).toEqual({ count: 104, lastEditor: 'server' });
      // 104 changes cost far fewer fetches: invalidations coalesce.
      expect(client.fetches, name).toBeLessThan(20);
    }
    expect(lines.some((line) => line.startsWith('  late'))).toBe(true);
  });
});
