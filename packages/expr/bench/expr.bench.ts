// npm run bench -w @switchyard/expr
// Compile once, evaluate many: six realistic filters and templates over 1,000
// varied contexts, side by side with other safe expression engines. Prints
// evaluations per second, our ratio to the fastest other engine, compile cost
// and our minified+gzip size without re2js. Figures, never assertions.

import { gzipSync } from "node:zlib";
import { parse as bufParse, celEnv, plan } from "@bufbuild/cel";
import { parse as marcParse } from "@marcbachmann/cel-js";
import { build } from "esbuild";
import { compileExpression } from "filtrex";
import jsonata from "jsonata";
import { compile, compileTemplate } from "../src/index.ts";
import { makeContexts } from "./contexts.ts";

type Evaluator = (ctx: object) => unknown;
type Engine = "switchyard" | "cel-js" | "bufbuild/cel" | "jsonata" | "filtrex";

interface Case {
  name: string;
  /** Source per engine; a missing engine cannot express the case. */
  sources: Partial<Record<Engine, string>>;
}

const CEL_TEMPLATE =
  '"Order " + order.id + " for " + order.customer.name + ": " + string(order.amount) + " EUR"';

const CASES: Case[] = [
  {
    name: "threshold filter",
    sources: {
      switchyard: 'order.amount > 10000 && order.status == "paid"',
      "cel-js": 'order.amount > 10000 && order.status == "paid"',
      "bufbuild/cel": 'order.amount > 10000 && order.status == "paid"',
      jsonata: 'order.amount > 10000 and order.status = "paid"',
      filtrex: 'amount of order > 10000 and status of order == "paid"',
    },
  },
  {
    name: "membership + suffix",
    sources: {
      switchyard:
        'order.customer.country in ["DE", "FR", "NL"] && order.customer.email.endsWith("example.com")',
      "cel-js":
        'order.customer.country in ["DE", "FR", "NL"] && order.customer.email.endsWith("example.com")',
      "bufbuild/cel":
        'order.customer.country in ["DE", "FR", "NL"] && order.customer.email.endsWith("example.com")',
      jsonata:
        'order.customer.country in ["DE", "FR", "NL"] and $substring(order.customer.email, -11) = "example.com"',
      filtrex:
        'country of customer of order in ("DE", "FR", "NL") and endsWith(email of customer of order, "example.com")',
    },
  },
  {
    name: "any line item (macro)",
    sources: {
      switchyard: "order.items.exists(i, i.price > 100 && i.qty >= 2)",
      "cel-js": "order.items.exists(i, i.price > 100 && i.qty >= 2)",
      "bufbuild/cel": "order.items.exists(i, i.price > 100 && i.qty >= 2)",
      jsonata: "$exists(order.items[price > 100 and qty >= 2])",
    },
  },
  {
    name: "arithmetic",
    sources: {
      switchyard: "(order.subtotal + order.shipping) * 1.19 - order.discount > 1000",
      "cel-js": "(order.subtotal + order.shipping) * 1.19 - order.discount > 1000",
      "bufbuild/cel": "(order.subtotal + order.shipping) * 1.19 - order.discount > 1000",
      jsonata: "(order.subtotal + order.shipping) * 1.19 - order.discount > 1000",
      filtrex: "(subtotal of order + shipping of order) * 1.19 - discount of order > 1000",
    },
  },
  {
    name: "template",
    sources: {
      switchyard: "Order {{ order.id }} for {{ order.customer.name }}: {{ order.amount }} EUR",
      "cel-js": CEL_TEMPLATE,
      "bufbuild/cel": CEL_TEMPLATE,
      jsonata: '"Order " & order.id & " for " & order.customer.name & ": " & order.amount & " EUR"',
    },
  },
  {
    name: "regex + size",
    sources: {
      switchyard:
        'order.customer.email.matches("^[a-z0-9.]+@(example|acme)\\\\.(com|org)$") && size(order.items) >= 3',
      "cel-js":
        'order.customer.email.matches("^[a-z0-9.]+@(example|acme)\\\\.(com|org)$") && size(order.items) >= 3',
      "bufbuild/cel":
        'order.customer.email.matches("^[a-z0-9.]+@(example|acme)\\\\.(com|org)$") && size(order.items) >= 3',
      jsonata:
        "$contains(order.customer.email, /^[a-z0-9.]+@(example|acme)\\.(com|org)$/) and $count(order.items) >= 3",
      filtrex:
        'email of customer of order ~= "^[a-z0-9.]+@(example|acme)\\\\.(com|org)$" and count(items of order) >= 3',
    },
  },
];

const FILTREX_FUNCTIONS = {
  endsWith: (s: string, t: string) => s.endsWith(t),
  count: (l: unknown[]) => l.length,
};

function compileFor(engine: Engine, source: string, isTemplate: boolean): Evaluator {
  switch (engine) {
    case "switchyard": {
      if (isTemplate) {
        const t = compileTemplate(source);
        return (ctx) => t.render(ctx);
      }
      const p = compile(source);
      return (ctx) => p.evaluate(ctx);
    }
    case "cel-js":
      return marcParse(source) as unknown as Evaluator;
    case "bufbuild/cel":
      return plan(celEnv(), bufParse(source)) as unknown as Evaluator;
    case "jsonata": {
      const e = jsonata(source);
      return (ctx) => e.evaluate(ctx);
    }
    case "filtrex":
      return compileExpression(source, { extraFunctions: FILTREX_FUNCTIONS }) as Evaluator;
  }
}

const contexts = makeContexts(1000);
const ENGINES: Engine[] = ["switchyard", "cel-js", "bufbuild/cel", "jsonata", "filtrex"];
const BUDGET_MS = 150;
const ROUNDS = 5;

/** Evaluations per second over the contexts, after a warm-up. */
async function measure(fn: Evaluator, isAsync: boolean): Promise<number> {
  const pass = async (): Promise<void> => {
    if (isAsync) for (const c of contexts) await fn(c);
    else for (const c of contexts) fn(c);
  };
  for (let i = 0; i < 5; i++) await pass();
  let evaluations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < BUDGET_MS) {
    await pass();
    evaluations += contexts.length;
    elapsed = performance.now() - start;
  }
  return (evaluations / elapsed) * 1000;
}

function compileCost(engine: Engine, source: string, isTemplate: boolean): number {
  const n = 300;
  const start = performance.now();
  for (let i = 0; i < n; i++) compileFor(engine, source, isTemplate);
  return ((performance.now() - start) / n) * 1000;
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  console.log(
    `Node ${(globalThis as { process?: { version?: string } }).process?.version ?? "?"}; ${contexts.length} contexts; ${BUDGET_MS} ms per measurement\n`,
  );
  const rows: string[][] = [];
  const compileRows: string[][] = [];
  for (const c of CASES) {
    const isTemplate = c.name === "template";
    const rates: Partial<Record<Engine, number>> = {};
    const costs: Partial<Record<Engine, number>> = {};
    const ours = compileFor("switchyard", c.sources.switchyard!, isTemplate);
    for (const engine of ENGINES) {
      const source = c.sources[engine];
      if (source === undefined) continue;
      const fn = compileFor(engine, source, isTemplate && engine === "switchyard");
      // Sanity: every engine must agree with ours on every context.
      let disagreements = 0;
      if (engine !== "jsonata") {
        for (const ctx of contexts) if (String(fn(ctx)) !== String(ours(ctx))) disagreements++;
      }
      if (disagreements > 0)
        console.log(`  note: ${engine} disagrees on ${disagreements} contexts in "${c.name}"`);
      costs[engine] = compileCost(engine, source, isTemplate && engine === "switchyard");
    }
    // Engines take turns, several rounds, best round counts: the machine
    // may be shared, and interleaving spreads any disturbance fairly.
    const fns = new Map<Engine, Evaluator>();
    for (const engine of ENGINES) {
      const source = c.sources[engine];
      if (source !== undefined)
        fns.set(engine, compileFor(engine, source, isTemplate && engine === "switchyard"));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [engine, fn] of fns) {
        const rate = await measure(fn, engine === "jsonata");
        rates[engine] = Math.max(rates[engine] ?? 0, rate);
      }
    }
    const others = ENGINES.filter((e) => e !== "switchyard" && rates[e] !== undefined);
    const fastest = Math.max(...others.map((e) => rates[e]!));
    rows.push([
      c.name,
      ...ENGINES.map((e) => (rates[e] === undefined ? "n/a" : fmt(rates[e]!))),
      `${(rates.switchyard! / fastest).toFixed(2)}x`,
    ]);
    compileRows.push([
      c.name,
      ...ENGINES.map((e) => (costs[e] === undefined ? "n/a" : costs[e]!.toFixed(1))),
    ]);
  }
  table(
    "evaluations per second (higher is better); ratio = switchyard / fastest other",
    ["case", ...ENGINES, "ratio"],
    rows,
  );
  table(
    "compile cost, microseconds per expression (lower is better)",
    ["case", ...ENGINES],
    compileRows,
  );
  await size();
}

function table(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  console.log(title);
  console.log(line(head));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `-${"-".repeat(w)}:`)).join("|")}|`,
  );
  for (const r of rows) console.log(line(r));
  console.log("");
}

async function size(): Promise<void> {
  const result = await build({
    // npm runs the script from the package folder.
    entryPoints: ["src/index.ts"],
    bundle: true,
    minify: true,
    format: "esm",
    external: ["re2js"],
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  const gz = gzipSync(code, { level: 9 });
  console.log(
    `@switchyard/expr bundle (esbuild --minify, re2js external): ${fmt(code.length)} bytes, ${fmt(gz.length)} bytes gzip`,
  );
}

await main();
