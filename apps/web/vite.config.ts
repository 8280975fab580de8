import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { "/v1": "http://localhost:8787", "/hooks": "http://localhost:8787" } },
});
