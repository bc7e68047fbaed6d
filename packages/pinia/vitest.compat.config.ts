// The same tests against the oldest Pinia the peer range accepts (2.1, via the `pinia-v2` alias
// devDependency): `pnpm exec vitest run --config packages/pinia/vitest.compat.config.ts`.
import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({
  resolve: { alias: [{ find: /^pinia$/, replacement: 'pinia-v2' }] },
  // types-compat checks both ends of the range itself, against the built package.
  test: { name: 'pinia-compat-v2', exclude: ['test/types-compat.test.ts'] },
});
