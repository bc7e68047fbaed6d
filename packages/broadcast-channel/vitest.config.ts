import { defineWorkspaceProject } from '../../vitest.shared';

export default defineWorkspaceProject({ test: { name: 'broadcast-channel' } });
