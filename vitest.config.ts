import { defineConfig } from "vitest/config";

// Two projects: "unit" runs anywhere as any user; "system" needs root and real Debian tools
// (loop devices, network namespaces, QEMU) and cleans up everything it creates.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "system",
          include: ["test/system/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
