// Prints the builder's JavaScript sizes after `vite build` (gzip): what a first
// visit loads (entry + layout + workflows list) and what the editor adds.
// Fails the build when the initial load exceeds the 200 KiB budget.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", ".svelte-kit", "output", "client");
const manifest = JSON.parse(readFileSync(join(dir, ".vite", "manifest.json"), "utf8"));
const keys = Object.keys(manifest);
const find = (re) => keys.filter((k) => re.test(k));

function closure(roots) {
  const seen = new Set();
  const walk = (k) => {
    if (seen.has(k)) return;
    seen.add(k);
    for (const i of manifest[k].imports ?? []) walk(i);
  };
  roots.forEach(walk);
  return seen;
}
const gz = (set) =>
  [...set].reduce((sum, k) => sum + gzipSync(readFileSync(join(dir, manifest[k].file))).length, 0);

const entry = find(/kit\/src\/runtime\/client\/entry\.js$|client-optimized\/app\.js$/);
const layout = find(/client-optimized\/nodes\/0\.js$/);
const nodes = find(/client-optimized\/nodes\/\d+\.js$/);
// The workflows list's node number shifts as routes are added: find it by its source.
const generated = join(dir, "..", "..", "generated", "client-optimized", "nodes");
const listNode = nodes.filter((k) => {
  const file = join(generated, k.split("/").pop());
  try {
    return readFileSync(file, "utf8").includes("routes/workflows/+page.svelte");
  } catch {
    return false;
  }
});
const initial = closure([...entry, ...layout, ...listNode]);
const everything = closure([...entry, ...nodes]);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const initialSize = gz(initial);
console.log(`\nBuilder JS (gzip): initial ${kib(initialSize)}; all routes ${kib(gz(everything))}`);
if (initialSize > 200 * 1024) {
  console.error("The initial JavaScript is over the 200 KiB budget.");
  process.exit(1);
}
