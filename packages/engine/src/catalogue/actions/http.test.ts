import { describe, expect, it } from "vitest";
import { validateDefinition } from "../../definition/validate.ts";
import { getAction } from "../registry.ts";
import { outputProblem } from "./http.ts";

const problemsOf = (action: string, config: unknown) => {
  const r = validateDefinition({
    name: "t",
    trigger: { event: "order.created" },
    steps: [{ id: "s", action, config }],
  });
  return r.ok ? [] : r.problems.map((p) => ({ path: p.path, message: p.message }));
};

describe("http_request's config", () => {
  it("accepts a GET with query parameters and output fields", () => {
    expect(
      problemsOf("http_request", {
        url: "https://api.example.com/orders",
        query: { status: "open", customer: "{{ order.customer_id }}" },
        outputs: { id: "response.body.data.id", total: 'response.headers["x-total"]' },
      }),
    ).toEqual([]);
  });

  it("takes a path only with a connection", () => {
    expect(
      problemsOf("http_request", { connection: "erp", url: "/orders/{{ order.id }}" }),
    ).toEqual([]);
    expect(problemsOf("http_request", { url: "/orders" })).toEqual([
      { path: "steps[0].config.url", message: "expected an http(s) URL or a {{ template }}" },
    ]);
    expect(problemsOf("http_request", { connection: "erp", url: "ftp://x/y" })[0]?.path).toBe(
      "steps[0].config.url",
    );
    expect(problemsOf("http_request", { connection: "Not A Name", url: "/x" })[0]?.path).toBe(
      "steps[0].config.connection",
    );
  });

  it("checks the body against its type and the method", () => {
    const url = "https://api.example.com/x";
    expect(problemsOf("http_request", { url, body: { a: 1 } })[0]?.message).toBe(
      "a GET has no body",
    );
    expect(
      problemsOf("http_request", { url, method: "POST", bodyType: "form", body: { a: "1", b: 2 } }),
    ).toEqual([]);
    expect(
      problemsOf("http_request", { url, method: "POST", bodyType: "form", body: { a: { b: 1 } } }),
    ).toEqual([
      {
        path: "steps[0].config.body",
        message: "a form body is fields: names with text, number or true/false values",
      },
    ]);
    expect(problemsOf("http_request", { url, method: "POST", bodyType: "text", body: 3 })).toEqual([
      { path: "steps[0].config.body", message: "a text body is text" },
    ]);
    expect(problemsOf("http_request", { url, method: "POST", body: '{"a": ' })[0]?.message).toMatch(
      /is not valid JSON/,
    );
  });

  it("reads only the response in an output, and names the bad one", () => {
    expect(outputProblem("response.body.items[0].id")).toBeNull();
    expect(outputProblem("size(response.body.items)")).toBeNull();
    expect(outputProblem("order.id")?.message).toMatch(/reads only the response/);
    expect(outputProblem("response.body.")?.position).toBeDefined();
    expect(
      problemsOf("http_request", {
        url: "https://api.example.com",
        outputs: { ok: "response.status", "bad name": "response.status", broken: "response.(" },
      }).map((p) => p.path),
    ).toEqual(['steps[0].config.outputs["bad name"]', "steps[0].config.outputs.broken"]);
  });

  it("is in the catalogue with its output shape", () => {
    const action = getAction("http_request")!;
    expect(action.output.safeParse(action.sampleOutput).success).toBe(true);
  });
});

describe("call_webhook with a connection", () => {
  it("takes a path under the connection, an absolute URL without one", () => {
    expect(
      problemsOf("call_webhook", { connection: "erp", url: "/orders/{{ order.id }}" }),
    ).toEqual([]);
    expect(problemsOf("call_webhook", { url: "/orders" })).toEqual([
      { path: "steps[0].config.url", message: "expected an http(s) URL or a {{ template }}" },
    ]);
    expect(problemsOf("call_webhook", { url: "https://erp.example/orders" })).toEqual([]);
  });
});
