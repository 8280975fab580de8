// The benchmark runs in Node; the package itself loads no Node types, so the
// few globals the script uses are declared here.
declare const console: { log(...args: unknown[]): void };
declare const performance: { now(): number };
declare module "node:zlib" {
  export function gzipSync(data: Uint8Array, options?: { level?: number }): Uint8Array;
}
