// The few host globals the bench and simulate scripts use. The package loads
// no Node or DOM types (src must not depend on them), so they are declared
// here, for scripts only.
declare const console: { log(...args: unknown[]): void; error(...args: unknown[]): void };
declare const performance: { now(): number };
declare const process: { argv: string[]; exitCode?: number };
