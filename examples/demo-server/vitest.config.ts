import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({
  test: { name: 'demo-server', testTimeout: 60_000, hookTimeout: 60_000 },
});
