import { defineWorkspaceProject } from '../../vitest.shared.ts';

// happy-dom for the React tests; the vanilla tests do not touch the DOM and run there too.
export default defineWorkspaceProject({ test: { name: 'zustand', environment: 'happy-dom' } });
