// The list of test projects. vitest 4 no longer reads this file by itself, so vitest.config.ts
// imports it; each project's own vitest.config.ts sets its environment and timeouts.
export default ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'];
