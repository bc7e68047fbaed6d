import { defineWorkspaceProject } from '../../vitest.shared.ts';

// A real browser and an esbuild bundle: generous but bounded timeouts.
export default defineWorkspaceProject({
  test: { name: 'e2e-broadcast-channel', testTimeout: 30_000, hookTimeout: 60_000 },
});
