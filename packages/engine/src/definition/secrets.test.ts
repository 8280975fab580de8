// biome-ignore-all lint/suspicious/noThenProperty: `then` is the definition format's branch list
import { describe, expect, it } from "vitest";
import { definitionRequires, secretUses } from "./requires.ts";
import { SECRETS_ONLY_IN_ACTIONS } from "./secrets.ts";
import { validateDefinition } from "./validate.ts";

const hook = (config: Record<string, unknown>, id = "hook") => ({
  id,
  action: "call_webhook",
  config: { url: "https://erp.example.com/orders", ...config },
});

function workflow(extra: Record<string, unknown> = {}, steps: unknown[] = []) {
  return {
    name: "Secrets",
    trigger: { event: "order.created" },
    steps: steps.length > 0 ? steps : [hook({})],
    ...extra,
  };
}

function problemsOf(input: unknown) {
  const result = validateDefinition(input);
  return result.ok ? [] : result.problems;
}

describe("secret references in a definition", () => {
  it("are allowed as whole placeholders in an action's fields, in either form", () => {
    const def = workflow({}, [
      hook({
        headers: {
          Authorization: "Bearer {{ secrets.erp_token }}",
          "X-Key": '{{ secrets["k2"] }}',
        },
        body: { token: "{{ secrets.erp_token }}", order: "{{ order.id }}" },
      }),
    ]);
    expect(problemsOf(def)).toEqual([]);
  });

  it("are a problem everywhere else, with the path and the position", () => {
    const cases: Array<[unknown, string]> = [
      [workflow({ filter: 'secrets.erp_token == "x"' }), "filter"],
      [workflow({}, [{ id: "d", if: "secrets.a != ''", then: [hook({})] }]), "steps[0].if"],
      [workflow({}, [{ id: "l", forEach: "secrets.list", steps: [hook({})] }]), "steps[0].forEach"],
      [
        workflow({}, [
          {
            id: "w",
            waitFor: { event: "quote.accepted", match: "event.data.k == secrets.k", timeout: "1d" },
          },
        ]),
        "steps[0].waitFor.match",
      ],
      [workflow({ concurrency: { key: "{{ secrets.k }}", limit: 1 } }), "concurrency.key"],
      [
        { name: "S", trigger: { schedule: { cron: "{{ secrets.cron }}" } }, steps: [hook({})] },
        "trigger.schedule.cron",
      ],
      [workflow({}, [{ id: "p", delay: "{{ secrets.wait }}" }]), "steps[0].delay"],
      [workflow({}, [hook({ body: '{{ secrets.a + "x" }}' })]), "steps[0].config.body"],
      [
        workflow({}, [hook({ url: "https://x.example/{{ string(secrets.a) }}" })]),
        "steps[0].config.url",
      ],
    ];
    for (const [input, path] of cases) {
      const found = problemsOf(input).filter((p) => p.message === SECRETS_ONLY_IN_ACTIONS);
      expect(
        found.map((p) => p.path),
        path,
      ).toEqual([path]);
      expect(found[0]?.position, path).toBeDefined();
    }
  });

  it("points at the placeholder that misuses a secret, not at a good one beside it", () => {
    const text = 'Bearer {{ secrets.a }} and {{ secrets.b + "!" }}';
    const [problem] = problemsOf(workflow({}, [hook({ headers: { A: text } })])).filter(
      (p) => p.message === SECRETS_ONLY_IN_ACTIONS,
    );
    expect(problem?.path).toBe("steps[0].config.headers.A");
    expect(problem?.position?.offset).toBe(text.indexOf("secrets.b"));
  });

  it("keeps `secrets` from being an event's data or a loop's item", () => {
    expect(problemsOf({ ...workflow(), trigger: { event: "secrets.rotated" } })).toContainEqual(
      expect.objectContaining({ path: "trigger.event" }),
    );
    const loop = workflow({}, [
      { id: "l", forEach: "order.items", as: "secrets", steps: [hook({})] },
    ]);
    expect(problemsOf(loop).map((p) => p.path)).toContain("steps[0].as");
  });
});

describe("definitionRequires", () => {
  it("lists literal connections and referenced secrets, sorted and once each", () => {
    const def = workflow({}, [
      hook({ connection: "erp", headers: { A: "{{ secrets.zeta }} {{ secrets.alpha }}" } }, "a"),
      {
        id: "d",
        if: "true",
        then: [hook({ connection: "crm", body: { t: "{{ secrets.alpha }}" } }, "b")],
        else: [
          {
            id: "p",
            parallel: [
              [hook({ connection: "{{ order.conn }}", body: "{{ secrets['beta'] }}" }, "c")],
            ],
          },
        ],
      },
      { id: "l", forEach: "order.items", steps: [hook({ connection: "erp" }, "e")] },
    ]) as never;
    expect(definitionRequires(def)).toEqual({
      connections: ["crm", "erp"],
      secrets: ["alpha", "beta", "zeta"],
    });
  });

  it("says where each secret is used, and reads an incomplete draft without failing", () => {
    const def = workflow({}, [
      hook({ headers: { Authorization: "Bearer {{ secrets.erp_token }}" } }),
    ]);
    expect(secretUses(def as never)).toEqual([
      {
        name: "erp_token",
        path: "steps[0].config.headers.Authorization",
        position: { offset: 10, line: 1, column: 11, length: 17 },
      },
    ]);
    const draft = {
      name: "",
      trigger: { event: "" },
      steps: [{ id: "x", if: "" }, { action: "call_webhook", config: { url: "{{ broken" } }, {}],
    };
    expect(definitionRequires(draft as never)).toEqual({ connections: [], secrets: [] });
  });
});
