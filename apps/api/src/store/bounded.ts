// A Durable Object's SQLite binds at most 100 parameters per statement
// (Cloudflare's limit; local workerd enforces the same, and
// test/store-schema.test.ts holds it). Lists of ids are cut to fit.

export const MAX_BOUND_PARAMETERS = 100;

/** `items` in slices that each fit one statement beside `fixed` other parameters. */
export function slices<T>(items: readonly T[], fixed: number): T[][] {
  const size = MAX_BOUND_PARAMETERS - fixed;
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
