import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // End-to-end suites in test/; unit tests of pure pieces beside their code.
    include: [
      "test/**/*.test.ts",
      "server/**/*.test.ts",
      "mock/**/*.test.ts",
      "web/**/*.test.ts",
      "web/**/*.test.tsx",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own servers on ephemeral ports; two cores, so two workers.
    maxWorkers: 2,
  },
});
