import { defineWorkspaceProject } from '../../vitest.shared.ts';

// Tests run against the real Redis at REDIS_URL (default redis://127.0.0.1:6379); one process
// at a time so the pub/sub kill test never disconnects another file's subscribers.
export default defineWorkspaceProject({
  test: { name: 'redis', testTimeout: 30_000, hookTimeout: 30_000, fileParallelism: false },
});
