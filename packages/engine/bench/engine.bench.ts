// Engine benchmark: `npm run bench -w @switchyard/engine`.
// 1. Matching an event against 10, 1,000 and 10,000 live workflows of one
//    tenant. Workflows are spread over event types, 10 per type (a tenant with
//    10,000 workflows has many event types): the index makes the cost depend
//    on the workflows listening for the event's type, not on the total, so the
//    10,000 : 10 ratio should stay below 2.
// 2. Transitions per second: whole runs driven through advance().
// 3. Finding the open waits one event resumes (issue 15, part 3) among 10
//    and 10,000 open waits of its type, keyed by `event.data.quote_id ==
//    quote.id` (plus two unkeyed ones, the slow case): the cost depends on the distinct
//    key path sets of the type, not on the number of waits, so the
//    10,000 : 10 ratio should stay below 2.
import type { WorkflowDefinition } from "../src/definition/types.ts";
import { rootCausation } from "../src/loop-guard/causation.ts";
import { WorkflowIndex } from "../src/matching/workflow-index.ts";
import { advance } from "../src/run/advance.ts";
import { createRun } from "../src/run/create-run.ts";
import type { RunState } from "../src/run/state.ts";
import { WaitIndex } from "../src/waits/index.ts";
import { openKeys } from "../src/waits/keys.ts";

const PER_TYPE = 10;

function workflow(type: string, i: number): WorkflowDefinition {
  return {
    name: `wf ${i}`,
    trigger: { event: type },
    filter: `order.amount > ${i % 100} && order.status == 'new'`,
    steps: [{ id: "a", action: "send_sms", config: { to: "+1", body: "Order {{ order.id }}" } }],
  };
}

function matchingFigure(total: number): { perMatchUs: number; matched: number } {
  const types = Math.max(1, Math.ceil(total / PER_TYPE));
  const index = new WorkflowIndex(
    Array.from({ length: total }, (_, i) => ({
      workflowId: `wf_${String(i).padStart(6, "0")}`,
      version: 1,
      definition: workflow(`order.t${i % types}`, i),
    })),
  );
  const event = {
    id: "evt",
    type: "order.t0",
    data: { id: "o1", amount: 50, status: "new" },
    occurredAt: "2025-01-01T00:00:00Z",
  };
  const causation = rootCausation("evt");
  let matched = 0;
  for (let i = 0; i < 2_000; i++) matched = index.match(event, causation, { now: 0 }).length; // warm-up
  const iterations = 20_000;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) index.match(event, causation, { now: 0 });
  return { perMatchUs: ((performance.now() - start) * 1000) / iterations, matched };
}

const runDefinition: WorkflowDefinition = {
  name: "bench",
  trigger: { event: "order.created" },
  filter: "order.amount > 10",
  steps: [
    {
      id: "a",
      action: "send_sms",
      config: { to: "+1", body: "Order {{ order.id }} for {{ order.amount }}" },
    },
    {
      id: "gate",
      if: "steps.a.status == 'succeeded'",
      then: [
        {
          id: "b",
          action: "send_email",
          config: { to: "x@y.z", subject: "s {{ order.id }}", body: "b" },
        },
      ],
    },
    {
      id: "fan",
      parallel: [
        [
          {
            id: "c",
            action: "call_webhook",
            config: { url: "https://x.test", body: "{{ order }}" },
          },
        ],
        [{ id: "d", action: "notify_user", config: { user: "u@x.y", message: "m" } }],
      ],
    },
    {
      id: "e",
      action: "update_record",
      config: { type: "order", id: "{{ order.id }}", fields: { status: "done" } },
    },
  ],
};

function transitionsFigure(roundTrip: boolean): { perSecond: number; transitions: number } {
  let transitions = 0;
  const runs = 5_000;
  const start = performance.now();
  for (let r = 0; r < runs; r++) {
    let state: RunState = createRun({
      runId: `run_${r}`,
      workflowId: "wf",
      version: 1,
      definition: runDefinition,
      event: {
        id: `e${r}`,
        type: "order.created",
        data: { id: `o${r}`, amount: 100 },
        occurredAt: "2025-01-01T00:00:00Z",
      },
      causation: rootCausation(`e${r}`),
      now: 0,
    });
    let result = advance(state, { type: "start", at: 0 });
    transitions++;
    let pending = result.commands.filter((c) => c.type === "dispatch");
    while (pending.length > 0) {
      const next = [];
      for (const command of pending) {
        if (command.type !== "dispatch") continue;
        state = roundTrip ? (JSON.parse(JSON.stringify(result.state)) as RunState) : result.state;
        result = advance(state, {
          type: "stepSucceeded",
          stepId: command.stepId,
          attempt: command.attempt,
          output: { ok: true },
          at: 1,
        });
        transitions++;
        next.push(...result.commands.filter((c) => c.type === "dispatch"));
      }
      pending = next;
    }
    if (result.state.status !== "succeeded")
      throw new Error(`bench run ended ${result.state.status}`);
  }
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: Math.round(transitions / seconds), transitions };
}

const sizes = [10, 1_000, 10_000];
for (const n of sizes) matchingFigure(n); // warm every size first, so order does not bias
const figures = sizes.map((n) => ({ n, ...matchingFigure(n) }));
console.log("matching one event (filters compiled once per version, cached)");
for (const f of figures) {
  console.log(
    `  ${String(f.n).padStart(6)} live workflows: ${f.perMatchUs.toFixed(2)} µs per event (${f.matched} listening)`,
  );
}
const ratio = figures[2]!.perMatchUs / figures[0]!.perMatchUs;
console.log(
  `  ratio 10,000 : 10 = ${ratio.toFixed(2)} (target < 2)${ratio < 2 ? "" : "  ← over target"}`,
);

function waitsFigure(total: number): { perEventUs: number; found: number } {
  const index = new WaitIndex();
  const match = "event.data.quote_id == quote.id";
  for (let i = 0; i < total; i++) {
    index.add({
      runId: `run_${i}`,
      stepId: "accepted",
      types: ["quote.accepted"],
      // Two runs wait for each quote; two waits (in both sizes) are unkeyed.
      keys: i < 2 ? {} : openKeys(match, { quote: { id: `q${Math.floor(i / 2)}` } }),
    });
  }
  const event = {
    id: "evt",
    type: "quote.accepted",
    data: { quote_id: "q3", total: 10 },
    occurredAt: "2025-01-01T00:00:00Z",
  };
  let found = 0;
  for (let i = 0; i < 2_000; i++) found = index.candidates(event).length; // warm-up
  const iterations = 50_000;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) index.candidates(event);
  return { perEventUs: ((performance.now() - start) * 1000) / iterations, found };
}

const waitSizes = [10, 10_000];
for (const n of waitSizes) waitsFigure(n);
const waitFigures = waitSizes.map((n) => ({ n, ...waitsFigure(n) }));
console.log("finding the open waits one event resumes (indexed by the match's equality keys)");
for (const f of waitFigures) {
  console.log(
    `  ${String(f.n).padStart(6)} open waits: ${f.perEventUs.toFixed(2)} µs per event (${f.found} candidates)`,
  );
}
const waitRatio = waitFigures[1]!.perEventUs / waitFigures[0]!.perEventUs;
console.log(
  `  ratio 10,000 : 10 = ${waitRatio.toFixed(2)} (target < 2)${waitRatio < 2 ? "" : "  ← over target"}`,
);

const plain = transitionsFigure(false);
const stored = transitionsFigure(true);
console.log(
  "run transitions (advance), a 7-step run with templates, a condition and a parallel block",
);
console.log(`  in memory:             ${plain.perSecond.toLocaleString("en")} transitions/s`);
console.log(
  `  with JSON round trip:  ${stored.perSecond.toLocaleString("en")} transitions/s (as the run DO stores state)`,
);

// 4. A forEach loop (issue 15, part 2): one item's step per transition; each
//    transition copies the run's step states, so its cost grows with the list.
function loopFigure(items: number): { perItemUs: number } {
  const list = Array.from({ length: items }, (_, i) => ({ sku: `S${i}` }));
  let state: RunState = createRun({
    runId: "run_loop",
    workflowId: "wf_loop",
    version: 1,
    definition: {
      name: "loop",
      trigger: { event: "order.created" },
      steps: [
        {
          id: "each",
          forEach: "order.lines",
          maxItems: 10_000,
          concurrency: 10,
          steps: [{ id: "a", action: "send_sms", config: { to: "+1", body: "{{ item.sku }}" } }],
        },
      ],
    },
    event: {
      id: "evt_loop",
      type: "order.created",
      data: { lines: list },
      occurredAt: "2026-01-01T00:00:00Z",
    },
    causation: rootCausation("evt_loop"),
    now: 0,
  });
  const t0 = performance.now();
  let result = advance(state, { type: "start", at: 1 });
  state = result.state;
  const queue = result.commands.filter((c) => c.type === "dispatch");
  while (queue.length > 0) {
    const c = queue.shift()!;
    result = advance(state, {
      type: "stepSucceeded",
      stepId: c.stepId,
      attempt: c.attempt,
      output: { ok: true },
      at: 2,
    });
    state = result.state;
    queue.push(...result.commands.filter((x) => x.type === "dispatch"));
  }
  if (state.status !== "succeeded") throw new Error(`loop run ended ${state.status}`);
  return { perItemUs: ((performance.now() - t0) * 1000) / items };
}

console.log("a forEach loop, 10 items at a time, one step per item (advance only)");
for (const n of [100, 1_000, 5_000]) {
  console.log(
    `  ${String(n).padStart(6)} items: ${loopFigure(n).perItemUs.toFixed(0)} µs per item`,
  );
}
