// D1's production limits, enforced where local SQLite does not enforce them
// (SWITCHYARD_D1_LIMITS=true: the api tests and every `wrangler dev` the
// suites start). Local D1 binds 32,766 parameters and takes any LIKE
// pattern; Cloudflare's D1 refuses more than 100 bound parameters per
// statement, LIKE/GLOB patterns over 50 bytes and statements over 100 KB,
// so a query that passes every local test can 500 in production.
// Cloudflare: https://developers.cloudflare.com/d1/platform/limits/

export const D1_MAX_BOUND_PARAMETERS = 100;
export const D1_MAX_PATTERN_BYTES = 50;
export const D1_MAX_STATEMENT_BYTES = 100_000;

const bytes = (s: string) => new TextEncoder().encode(s).length;
const hasPattern = (sql: string) => /\b(LIKE|GLOB)\b/i.test(sql);

/** Throws what D1 would: the statement breaks a production limit. */
export function checkD1Statement(sql: string, values: readonly unknown[]): void {
  if (bytes(sql) > D1_MAX_STATEMENT_BYTES) {
    throw new Error(
      `D1 limit: a statement of ${bytes(sql)} bytes (D1 takes ${D1_MAX_STATEMENT_BYTES})`,
    );
  }
  if (values.length > D1_MAX_BOUND_PARAMETERS) {
    throw new Error(
      `D1 limit: too many SQL variables: ${values.length} bound parameters (D1 takes ${D1_MAX_BOUND_PARAMETERS}): ${sql.slice(0, 200)}`,
    );
  }
  // Strict on purpose: any long string bound to a statement with a pattern
  // (a pattern may be any of its parameters).
  if (hasPattern(sql)) {
    for (const v of values) {
      if (typeof v === "string" && bytes(v) > D1_MAX_PATTERN_BYTES) {
        throw new Error(
          `D1 limit: LIKE or GLOB pattern too complex: a ${bytes(v)}-byte parameter (D1 takes ${D1_MAX_PATTERN_BYTES}): ${sql.slice(0, 200)}`,
        );
      }
    }
  }
}

/** Each checked statement's real one: `batch` must be handed the runtime's own objects. */
const realOf = new WeakMap<object, D1PreparedStatement>();

function statement(real: D1PreparedStatement, sql: string): D1PreparedStatement {
  const wrapped = new Proxy(real, {
    get(target, prop) {
      if (prop === "bind") {
        return (...values: unknown[]) => {
          checkD1Statement(sql, values);
          return statement(target.bind(...values), sql);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  realOf.set(wrapped, real);
  return wrapped;
}

/** The binding, refusing what Cloudflare's D1 would refuse. */
export function limited(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          checkD1Statement(sql, []);
          return statement(target.prepare(sql), sql);
        };
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          target.batch(statements.map((s) => realOf.get(s) ?? s));
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
