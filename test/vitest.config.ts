import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          // Pure: no servers, no processes, no real time (fake clocks). Fast.
          name: "unit",
          include: ["test/unit/**/*.test.{ts,tsx}"],
          environment: "node",
          // One module graph for all files: each file in a fresh process re-imported lib/, parse5,
          // markdown-it and temml, about half the run. Safe while these tests keep no global state:
          // no vi.mock, no process.env changes, no timers left faked, spies restored (math.test.ts).
          isolate: false,
        },
      },
      {
        test: {
          // Against real local servers (the arXiv stand-in, the fake model, redis behind the Upstash shim),
          // real processes and real time.
          name: "io",
          include: ["test/io/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // Each file starts its own `next start` processes; one file at a time keeps ports and CPU calm.
          fileParallelism: false,
        },
      },
    ],
  },
});
