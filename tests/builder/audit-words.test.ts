// The audit log in people's words, checked without a browser (the browser
// test: operating.test.ts, "the audit log").
import { describe, expect, it } from "vitest";
import {
  type AuditLine,
  actorWords,
  detailWords,
  foldAutosaves,
  subjectWords,
} from "../../apps/web/src/lib/model/audit-words.ts";

const names = {
  member: (id: string) => ({ us_ada: "Ada Admin", us_bob: "bob@acme.example" })[id],
  key: (id: string) => ({ key_erp: "ERP sync" })[id],
  workflow: (id: string) => ({ wf_big: "Big order approval" })[id],
};

let seq = 100;
const entry = (over: Partial<AuditLine>): AuditLine => ({
  id: `au_${seq}`,
  seq: seq--,
  at: "2026-12-05T10:00:00Z",
  actor: { type: "user", id: "us_ada" },
  type: "workflow.updated",
  subject: "wf_big",
  details: {},
  ...over,
});

describe("the audit log in people's words", () => {
  it("names who did it: a member, a key, the platform's own parts", () => {
    expect(actorWords({ type: "user", id: "us_ada" }, names)).toBe("Ada Admin");
    expect(actorWords({ type: "user", id: "us_gone" }, names)).toBe("a former member");
    expect(actorWords({ type: "api_key", id: "key_erp" }, names)).toBe("API key “ERP sync”");
    expect(actorWords({ type: "api_key", id: "key_x" }, names)).toBe("an API key");
    expect(actorWords({ type: "system", id: "auto-pause" }, names)).toBe("Switchyard (auto-pause)");
    expect(actorWords({ type: "system", id: "loop-guard" }, names)).toBe("Switchyard (loop guard)");
    expect(actorWords({ type: "system", id: "run:run_1" }, names)).toBe("a workflow run");
  });

  it("names what it was done to, with where to see it", () => {
    expect(subjectWords(entry({}), names)).toEqual({
      text: "Big order approval",
      href: "/workflows/wf_big",
    });
    // A deleted workflow: its name as the entry wrote it.
    expect(
      subjectWords(entry({ subject: "wf_old", details: { name: "Old one" } }), names).text,
    ).toBe("Old one");
    expect(
      subjectWords(
        entry({ type: "run.retried", subject: "run_1", details: { workflowId: "wf_big" } }),
        names,
      ),
    ).toEqual({ text: "Run of Big order approval", href: "/runs/run_1" });
    expect(subjectWords(entry({ type: "record.changed", subject: "order/o 1" }), names)).toEqual({
      text: "Record order o 1",
      href: "/records/order/o%201",
    });
    expect(subjectWords(entry({ type: "user.updated", subject: "us_bob" }), names).text).toBe(
      "bob@acme.example",
    );
    expect(subjectWords(entry({ type: "api_key.created", subject: "key_erp" }), names).text).toBe(
      "API key “ERP sync”",
    );
  });

  it("says the details as words, not JSON", () => {
    expect(
      detailWords(
        entry({ details: { name: "Big order approval", version: 3, published: false } }),
        names,
      ),
    ).toBe("Version 3, saved as a draft");
    expect(
      detailWords(
        entry({ type: "workflow.published", details: { version: 4, previousLiveVersion: 2 } }),
        names,
      ),
    ).toBe("Version 4 · was version 2");
    expect(
      detailWords(
        entry({
          type: "approval.decided",
          subject: "apr_1",
          details: { decision: "approved", runId: "run_1", stepId: "ask", comment: "fine" },
        }),
        names,
      ),
    ).toBe("Decision: approved · Comment: fine");
    expect(
      detailWords(
        entry({
          type: "user.updated",
          subject: "us_bob",
          details: { role: "editor", previousRole: "viewer" },
        }),
        names,
      ),
    ).toBe("Role: editor · Previous role: viewer");
  });

  it("folds one person's autosaves of one workflow into one row, and nothing else", () => {
    const save = (who = "us_ada", subject = "wf_big") =>
      entry({
        actor: { type: "user", id: who },
        subject,
        details: { version: 2, published: false, replacedDraft: true },
      });
    const published = entry({ type: "workflow.published", details: { version: 2 } });
    const list = [
      published,
      save(),
      save(),
      save(),
      save("us_bob"),
      save("us_bob", "wf_other"),
      save(),
    ];
    const rows = foldAutosaves(list);
    expect(rows.map((r) => r.count)).toEqual([1, 3, 1, 1, 1]);
    expect(rows[1]?.entry).toBe(list[1]);
    expect(rows[1]?.oldest).toBe(list[3]);
    // Every entry is in exactly one row.
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(list.length);
  });
});
