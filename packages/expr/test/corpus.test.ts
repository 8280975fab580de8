/// <reference types="vite/client" />
// Drives the data corpus in testdata/*.json. A case is
// { "expr" | "template", "context"?, "limits"?, "value" | "error": { "kind", "code"? } };
// in contexts and expected values { "$timestamp": "…" } and { "$duration": "…" }
// stand for the package's Timestamp and Duration.
import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  Duration,
  ExprError,
  evaluate,
  type Limits,
  Timestamp,
} from "../src/index.ts";

interface Case {
  name?: string;
  expr?: string;
  template?: string;
  context?: Record<string, unknown>;
  limits?: Limits;
  value?: unknown;
  error?: { kind: string; code?: string; message?: string; offset?: number };
  skip?: string;
}

const files = import.meta.glob<Case[]>("../testdata/*.json", { eager: true, import: "default" });

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.$timestamp === "string") return Timestamp.parse(o.$timestamp);
    if (typeof o.$duration === "string") return Duration.parse(o.$duration);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      Object.defineProperty(out, k, {
        value: revive(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

function normalize(v: unknown): unknown {
  if (v instanceof Timestamp) return { $timestamp: v.toString() };
  if (v instanceof Duration) return { $duration: v.toString() };
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}

function run(c: Case): unknown {
  const context = (revive(c.context ?? {}) as object) ?? {};
  if (c.template !== undefined) return compileTemplate(c.template, c.limits).render(context);
  return evaluate(c.expr!, context, c.limits);
}

for (const [file, cases] of Object.entries(files)) {
  describe(file.replace("../testdata/", ""), () => {
    for (const c of cases) {
      const full = c.name ?? c.expr ?? c.template ?? "?";
      const title = full.length > 80 ? `${full.slice(0, 77)}…` : full;
      const test = c.skip ? it.skip : it;
      test(title, () => {
        if (c.error) {
          let thrown: unknown;
          try {
            run(c);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, "expected an ExprError").toBeInstanceOf(ExprError);
          const e = thrown as ExprError;
          expect({ kind: e.kind, code: e.code }).toMatchObject({
            kind: c.error.kind,
            ...(c.error.code ? { code: c.error.code } : {}),
          });
          if (c.error.message) expect(e.message).toContain(c.error.message);
          if (c.error.offset !== undefined) expect(e.position?.offset).toBe(c.error.offset);
        } else {
          expect(normalize(run(c))).toEqual(normalize(revive(c.value)));
        }
      });
    }
  });
}
