import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({
  test: { name: 'http-board', testTimeout: 60_000, hookTimeout: 60_000 },
});
