import { defineWorkspaceProject } from '../../vitest.shared';

export default defineWorkspaceProject({ test: { name: 'contract-tests', testTimeout: 60_000 } });
