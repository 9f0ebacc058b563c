import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Generous limits: CI is a shared 2-core machine and the model tests train for real.
    // Two cores in CI: more workers only add contention for the wasm backend.
    maxWorkers: 2,
  },
});
