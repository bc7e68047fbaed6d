import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({ test: { name: 'contract-tests', testTimeout: 60_000 } });
