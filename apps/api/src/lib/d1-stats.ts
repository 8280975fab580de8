// Counts the statements the Worker sends to D1, for `npm run bench` (the
// issue's "D1 statements per event → run, counted by a wrapper"). Off
// unless SWITCHYARD_D1_STATS is "true": then every entry point (fetch,
// queue, each Durable Object) sees a D1 binding that counts reads and
// writes per statement, in this isolate, and GET /v1/platform/d1-stats
// reports them. Local dev runs the Worker and its objects in one isolate.

import { limited } from "./d1-limits.ts";

export interface D1Stats {
  reads: number;
  writes: number;
  /** Round trips: a batch of statements is one. */
  roundTrips: number;
}

const stats: D1Stats = { reads: 0, writes: 0, roundTrips: 0 };

export function readD1Stats(reset: boolean): D1Stats {
  const out = { ...stats };
  if (reset) {
    stats.reads = 0;
    stats.writes = 0;
    stats.roundTrips = 0;
  }
  return out;
}

const isRead = (sql: string): boolean => /^\s*(SELECT|WITH|PRAGMA|EXPLAIN)\b/i.test(sql);

function count(sql: string): void {
  if (isRead(sql)) stats.reads += 1;
  else stats.writes += 1;
}

const sqlOf = new WeakMap<object, { sql: string; real: D1PreparedStatement }>();

function statement(real: D1PreparedStatement, sql: string): D1PreparedStatement {
  const wrapped = new Proxy(real, {
    get(target, prop) {
      if (prop === "bind") return (...values: unknown[]) => statement(target.bind(...values), sql);
      if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") {
        const fn = (target[prop] as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          count(sql);
          stats.roundTrips += 1;
          return fn(...args);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  sqlOf.set(wrapped, { sql, real });
  return wrapped;
}

function counting(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => statement(target.prepare(sql), sql);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          stats.roundTrips += 1;
          const real = statements.map((s) => {
            const known = sqlOf.get(s);
            if (known) count(known.sql);
            return known?.real ?? s;
          });
          return target.batch(real);
        };
      }
      if (prop === "exec") {
        return (sql: string) => {
          count(sql);
          stats.roundTrips += 1;
          return target.exec(sql);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

const wrapped = new WeakMap<object, object>();

/**
 * The env with its D1 binding wrapped as configured: counting statements
 * (SWITCHYARD_D1_STATS, benchmarks) and refusing what production D1 would
 * refuse (SWITCHYARD_D1_LIMITS, tests; lib/d1-limits.ts). Else the env itself.
 */
export function withD1Wrappers<
  E extends { DB: D1Database; SWITCHYARD_D1_STATS?: string; SWITCHYARD_D1_LIMITS?: string },
>(env: E): E {
  const stats = env.SWITCHYARD_D1_STATS === "true";
  const limits = env.SWITCHYARD_D1_LIMITS === "true";
  if (!stats && !limits) return env;
  let out = wrapped.get(env) as E | undefined;
  if (!out) {
    let db = env.DB;
    if (limits) db = limited(db);
    if (stats) db = counting(db);
    out = { ...env, DB: db };
    wrapped.set(env, out);
  }
  return out;
}
