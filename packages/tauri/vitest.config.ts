import { defineWorkspaceProject } from '../../vitest.shared.ts';

// Tauri's mocks install themselves on `window`, so the tests run in happy-dom.
export default defineWorkspaceProject({ test: { name: 'tauri', environment: 'happy-dom' } });
