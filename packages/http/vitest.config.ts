import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({ test: { name: 'http' } });
