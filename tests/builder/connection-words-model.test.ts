// Connections in the builder's words (issue 17, item 2), checked without a
// browser: sign-in kinds, health ("Working — last call 5 minutes ago",
// "Failing since 14:05: 401 Unauthorized", "Not used yet"), the rate limit's
// sentence, the form's checks and the body it sends (credentials left empty
// on an edit are left out), the Slack "send through" choice, and what a
// workflow needs that wants attention (the browser test: connections.test.ts).

import {
  CONNECTION_NAME as ENGINE_CONNECTION_NAME,
  definitionRequires as requirementsOf,
} from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import type { ConnectionInfo } from "../../apps/web/src/lib/api-credentials.ts";
import {
  bodyIsJson,
  chosenWay,
  hiddenFields,
  isExpressionMap,
  listValue,
  optionWords,
  sendChoice,
  takesList,
  urlHintWithConnection,
} from "../../apps/web/src/lib/model/action-form.ts";
import {
  CONNECTION_NAME,
  connectionInput,
  connectionPatch,
  emptyForm,
  formOf,
  formProblems,
} from "../../apps/web/src/lib/model/connection-form.ts";
import {
  agoWords,
  authKindOf,
  deferralOf,
  deferralWords,
  healthWords,
  periodWords,
  rateLimitWords,
  SIGN_INS,
  signInOf,
  signInWords,
} from "../../apps/web/src/lib/model/connection-words.ts";
import { attentionOf, saysMissing } from "../../apps/web/src/lib/model/requirements.ts";

const NOW = Date.parse("2026-12-06T14:30:00Z");
const clock = (iso: string) => iso.slice(11, 16);
const words = { now: NOW, clock };

function connection(over: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    name: "erp",
    baseUrl: "https://erp.example.com/api",
    auth: { type: "bearer" },
    credentialsSet: true,
    health: { status: "unused", lastSuccessAt: null, lastFailureAt: null, lastError: null },
    usedBy: [],
    ...over,
  };
}

describe("how a connection signs in", () => {
  it("names each way as people say it", () => {
    expect(SIGN_INS.map((s) => s.words)).toEqual([
      "No sign-in",
      "Access token",
      "User name and password",
      "Key in a header",
      "Key in the web address",
      "Sign in with client ID and secret (OAuth 2)",
    ]);
    expect(signInWords({ type: "api_key", in: "header", name: "X-Api-Key" })).toBe(
      "Key in a header (X-Api-Key)",
    );
    expect(signInWords({ type: "api_key", in: "query", name: "key" })).toBe(
      "Key in the web address (key)",
    );
    expect(signInWords({ type: "basic", username: "ops" })).toBe("User name and password (as ops)");
    expect(signInOf({ type: "oauth2_client_credentials" })).toBe("oauth2");
    expect(authKindOf("api_key_query")).toBe("api_key");
  });
});

describe("health in words and colour", () => {
  it("says when it last worked", () => {
    const h = healthWords(
      {
        status: "ok",
        lastSuccessAt: "2026-12-06T14:25:00Z",
        lastFailureAt: null,
        lastError: null,
      },
      words,
    );
    expect(h).toEqual({ text: "Working — last call 5 minutes ago", tone: "ok", short: "Working" });
    expect(agoWords("2026-12-06T14:29:50Z", NOW)).toBe("just now");
  });

  it("says since when it fails and why", () => {
    const h = healthWords(
      {
        status: "failing",
        lastSuccessAt: "2026-12-06T09:00:00Z",
        lastFailureAt: "2026-12-06T14:05:00Z",
        lastError: "401 Unauthorized",
      },
      words,
    );
    expect(h).toEqual({
      text: "Failing since 14:05: 401 Unauthorized",
      tone: "bad",
      short: "Failing",
    });
    // The start of the failures, when the server says it.
    expect(
      healthWords(
        {
          status: "failing",
          lastSuccessAt: null,
          lastFailureAt: "2026-12-06T14:20:00Z",
          failingSince: "2026-12-06T13:50:00Z",
          lastError: null,
        },
        words,
      ).text,
    ).toBe("Failing since 13:50");
  });

  it("says a connection no step called yet is not used yet", () => {
    expect(healthWords(connection().health, words)).toEqual({
      text: "Not used yet",
      tone: "none",
      short: "Not used yet",
    });
  });
});

describe("the rate limit in a sentence", () => {
  it("reads as calls every period", () => {
    expect(rateLimitWords({ limit: 60, period: "1m" })).toBe("At most 60 calls every minute");
    expect(rateLimitWords({ limit: 1, period: "1s" })).toBe("At most 1 call every second");
    expect(rateLimitWords({ limit: 5, period: "10s" })).toBe("At most 5 calls every 10 seconds");
    expect(rateLimitWords(null)).toBe("No limit");
    expect(periodWords("1d")).toBe("day");
  });
});

describe("a step waiting for its turn under a connection's rate limit", () => {
  it("reads the count and the next try from the step, while it has not ended", () => {
    const until = "2026-12-06T14:31:00Z";
    expect(deferralOf({ status: "running", deferred: 2, retryAt: until })).toEqual({
      count: 2,
      until,
    });
    expect(deferralOf({ status: "pending", deferred: { count: 1, until } })).toEqual({
      count: 1,
      until,
    });
    expect(deferralOf({ status: "succeeded", deferred: 2 })).toBeNull();
    expect(deferralOf({ status: "running", deferred: 0 })).toBeNull();
    expect(deferralOf({ status: "running" })).toBeNull();
  });

  it("says why it waits, in words", () => {
    const d = { count: 1, until: "2026-12-06T14:31:00Z" };
    expect(deferralWords(d, "erp", { limit: 60, period: "1m" }, clock)).toBe(
      "Waiting for its turn: the connection erp allows at most 60 calls every minute, shared by every workflow that uses it. Tried again at 14:31.",
    );
    expect(deferralWords({ count: 1, until: null }, null, null, clock)).toBe(
      "Waiting for its turn: its connection has used up its calls for now. It is tried again as soon as there is a turn.",
    );
  });
});

describe("the form", () => {
  it("checks a name by the catalogue's rule", () => {
    expect(CONNECTION_NAME.source).toBe(ENGINE_CONNECTION_NAME.source);
  });

  it("says what is missing, in words", () => {
    const form = { ...emptyForm(), baseUrl: "erp.example.com", signIn: "api_key_header" as const };
    expect(formProblems({ ...form, name: "ERP system" }, false)[0]).toMatch(
      /^A name has lower-case letters, digits, _ and - only/,
    );
    expect(formProblems(form, false)).toEqual([
      "Give the connection a name, such as erp.",
      "The address starts with https:// (or http://), such as https://erp.example.com.",
      "Fill in the header's name.",
      "Fill in the key.",
    ]);
    const limited = {
      ...emptyForm(),
      name: "erp",
      baseUrl: "https://erp.example.com",
      signIn: "none" as const,
      limited: true,
      limit: 0,
      headers: [
        { key: "Accept", value: "a" },
        { key: "accept", value: "b" },
      ],
    };
    expect(formProblems(limited, false)).toEqual([
      "The rate limit is a whole number of calls, at least 1.",
      "The header accept is given twice.",
    ]);
  });

  it("sends every credential for a new connection, and only the typed ones on an edit", () => {
    const form = {
      ...emptyForm(),
      name: " erp ",
      baseUrl: "https://erp.example.com/api",
      signIn: "basic" as const,
      username: "ops",
      password: "pw-1",
      limited: true,
      limit: 60,
      period: "1m",
    };
    expect(connectionInput(form)).toEqual({
      name: "erp",
      baseUrl: "https://erp.example.com/api",
      auth: { type: "basic", username: "ops", password: "pw-1" },
      headers: {},
      rateLimit: { limit: 60, period: "1m" },
    });
    // An edit names no name, clears a description with null and keeps an untyped password.
    expect(connectionPatch({ ...form, password: "", limited: false })).toEqual({
      description: null,
      baseUrl: "https://erp.example.com/api",
      auth: { type: "basic", username: "ops" },
      headers: {},
      rateLimit: null,
    });
    // Editing without typing a password is fine; a new one needs it, and so does a new kind.
    expect(formProblems({ ...form, password: "" }, true, "basic")).toEqual([]);
    expect(formProblems({ ...form, password: "" }, false)).toEqual(["Fill in the password."]);
    expect(formProblems({ ...form, password: "" }, true, "bearer")).toEqual([
      "Fill in the password.",
    ]);
  });

  it("opens an edit with what is shown and no credential", () => {
    const form = formOf(
      connection({
        auth: { type: "api_key", in: "query", name: "key" },
        headers: { "Accept-Language": "en" },
        rateLimit: { limit: 10, period: "1s" },
      }),
    );
    expect(form.signIn).toBe("api_key_query");
    expect(form.keyName).toBe("key");
    expect(form.keyValue).toBe("");
    expect(form.headers).toEqual([{ key: "Accept-Language", value: "en" }]);
    expect([form.limited, form.limit, form.period]).toEqual([true, 10, "1s"]);
  });
});

describe("Slack's send-through choice and the address with a connection", () => {
  const slack = {
    type: "object",
    properties: { webhookUrl: {}, connection: {}, channel: {}, text: {} },
    required: ["text"],
  };

  it("offers a webhook address or a connection, each with its own fields", () => {
    const choice = sendChoice(slack);
    expect(choice?.options.map((o) => [o.words, o.fields])).toEqual([
      ["An incoming webhook address", ["webhookUrl"]],
      ["A connection (a bot token)", ["connection", "channel"]],
    ]);
    expect(hiddenFields(choice, "webhook")).toEqual(["connection", "channel"]);
    expect(chosenWay({ connection: "slack" })).toBe("connection");
    expect(chosenWay({}, "connection")).toBe("connection");
    expect(chosenWay({})).toBe("webhook");
    // Teams needs its webhook: no choice there.
    expect(
      sendChoice({ properties: { webhookUrl: {}, text: {} }, required: ["webhookUrl"] }),
    ).toBeNull();
  });

  it("says a path is enough once a connection is chosen", () => {
    expect(urlHintWithConnection("erp", "https://erp.example.com/api")).toBe(
      "With the connection erp, a path such as /orders is enough: it is added to https://erp.example.com/api. A full address works too.",
    );
  });
});

describe("the new actions' forms", () => {
  it("names http_request's body types and keeps its outputs as expressions", () => {
    expect(optionWords("bodyType", "form")).toBe("Form fields (application/x-www-form-urlencoded)");
    expect(optionWords("method", "GET")).toBe("GET");
    expect(isExpressionMap("outputs")).toBe(true);
    expect(isExpressionMap("headers")).toBe(false);
    expect(bodyIsJson("http_request", { bodyType: "text" }, true)).toBe(false);
    expect(bodyIsJson("http_request", {}, false)).toBe(true);
    expect(bodyIsJson("call_webhook", { bodyType: "text" }, true)).toBe(true);
  });

  it("keeps Slack's blocks as a list once the text is one", () => {
    expect(takesList({ anyOf: [{ type: "array" }, { type: "string" }] })).toBe(true);
    expect(takesList({ type: "string" })).toBe(false);
    expect(listValue('[{"type":"divider"}]')).toEqual([{ type: "divider" }]);
    expect(listValue('[{"type":')).toBe('[{"type":');
    expect(listValue("{{ steps.build.output.blocks }}")).toBe("{{ steps.build.output.blocks }}");
  });
});

describe("what a workflow needs", () => {
  const def = {
    steps: [
      {
        id: "a",
        action: "call_webhook",
        config: {
          connection: "erp",
          url: "/orders",
          headers: { Authorization: "Bearer {{ secrets.erp_token }}" },
        },
      },
      {
        id: "b",
        if: "true",
        then: [
          {
            id: "c",
            action: "send_slack_message",
            config: { webhookUrl: "{{ secrets.slack_hook }}", text: "\\{{ secrets.not_one }}" },
          },
        ],
        else: [
          { id: "d", action: "call_webhook", config: { connection: "{{ order.c }}", url: "/x" } },
        ],
      },
    ],
  } as never;

  it("finds its connections and secrets, plain names only", () => {
    expect(requirementsOf(def)).toEqual({
      connections: ["erp"],
      secrets: ["erp_token", "slack_hook"],
    });
  });

  it("says what wants attention, with where to fix it", () => {
    const failing = connection({
      health: {
        status: "failing",
        lastSuccessAt: null,
        lastFailureAt: "2026-12-06T14:05:00Z",
        lastError: "401 Unauthorized",
      },
    });
    const found = attentionOf(requirementsOf(def), [failing], ["erp_token"], words);
    expect(found.map((a) => [a.kind, a.text, a.href])).toEqual([
      [
        "connection-failing",
        "The connection erp is failing since 14:05: 401 Unauthorized.",
        "/settings/connections#connection-erp",
      ],
      [
        "secret-missing",
        "There is no secret called slack_hook: steps that use it will fail.",
        "/settings/secrets",
      ],
    ]);
    expect(attentionOf(requirementsOf(def), [], null, words).map((a) => a.kind)).toEqual([
      "connection-missing",
    ]);
    expect(attentionOf(requirementsOf(def), null, null, words)).toEqual([]);
  });

  it("knows the save's problems that the fields already say live", () => {
    expect(saysMissing("secret 'erp_tokn' does not exist: add it in Settings → Secrets")).toBe(
      true,
    );
    expect(
      saysMissing("there is no connection named 'erp': add it in Settings → Connections"),
    ).toBe(true);
    expect(saysMissing("expected an http(s) URL or a {{ template }}")).toBe(false);
  });
});
