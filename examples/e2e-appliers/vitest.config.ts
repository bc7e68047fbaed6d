import { defineWorkspaceProject } from '../../vitest.shared.ts';

// Real sockets, a real browser and two Vite builds: generous but bounded timeouts.
export default defineWorkspaceProject({
  test: { name: 'e2e-appliers', testTimeout: 30_000, hookTimeout: 120_000 },
});
