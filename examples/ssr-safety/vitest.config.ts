import { defineWorkspaceProject } from '../../vitest.shared';

export default defineWorkspaceProject({ test: { name: 'ssr-safety', environment: 'node' } });
