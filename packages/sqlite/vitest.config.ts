import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({ test: { name: 'sqlite', testTimeout: 30_000 } });
