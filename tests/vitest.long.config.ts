import { defineConfig } from "vitest/config";

// `npm run test:long`: the long fault round, kept out of `npm test`.
export default defineConfig({
  test: {
    name: "long",
    root: import.meta.dirname,
    include: ["faults/long/**/*.test.ts"],
    testTimeout: 14_400_000,
    hookTimeout: 180_000,
  },
});
