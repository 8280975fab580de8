// Failure groups and bulk retry in the builder's words (issue 16, items 2 and
// 3), checked without a browser: a group's line, the preview's sentences
// (what is sent, changed or called again, and what the delivery ledger and
// the effect markers keep from happening twice), the version choices and the
// job's progress and ending (the browser test: bulk-retry.test.ts).
import { describe, expect, it } from "vitest";
import type { BulkPreview, Job } from "../../apps/web/src/lib/api-bulk-retry.ts";
import { selectionQuery } from "../../apps/web/src/lib/api-bulk-retry.ts";
import {
  type AuditLine,
  detailWords,
  subjectWords,
} from "../../apps/web/src/lib/model/audit-words.ts";
import {
  groupHeadline,
  groupMessage,
  incompatibleHeading,
  incompatibleWhy,
  jobFraction,
  jobProgress,
  jobRunning,
  jobSummary,
  jobTitle,
  previewSentences,
  retryGroupLabel,
  seenWords,
  tooManyWords,
  versionOf,
  versionOptions,
  versionWords,
  wouldFailHeading,
  wouldFailWhy,
} from "../../apps/web/src/lib/model/bulk-retry-words.ts";

function preview(over: Partial<BulkPreview> = {}): BulkPreview {
  return {
    runs: 42,
    steps: { again: 42, kept: 3, firstTime: 0 },
    effects: {},
    deduplicated: {},
    webhookCalls: { calls: 0, originalIds: 0 },
    wouldFailAgain: 0,
    wouldFailAgainRuns: [],
    incompatible: [],
    incompatibleCount: 0,
    limit: 1000,
    ...over,
  };
}

function job(over: Partial<Job> = {}): Job {
  return {
    id: "job_1",
    kind: "bulk_retry",
    status: "running",
    total: 42,
    done: 0,
    failed: 0,
    ...over,
  };
}

describe("failure groups in words", () => {
  it("says which step failed how often, by its name", () => {
    expect(groupHeadline({ count: 42 }, "Send to ERP")).toBe("Send to ERP failed 42 times");
    expect(groupHeadline({ count: 1 }, "Send to ERP")).toBe("Send to ERP failed once");
    expect(retryGroupLabel(42)).toBe("Retry these 42 runs");
    expect(retryGroupLabel(1)).toBe("Retry this run");
  });

  it("writes what differs from run to run as …, and keeps the status and the server", () => {
    expect(groupMessage("ERP answered 503 for order <n>", "ERP answered 503 for order 4411")).toBe(
      "ERP answered 503 for order …",
    );
    expect(
      groupMessage(
        "http://<n>.<n>:<n> answered 500: ERP is down for order <n>",
        "http://127.0.0.1:43123 answered 500: ERP is down for order 1042",
      ),
    ).toBe("http://127.0.0.1:43123 answered 500: ERP is down for order …");
    // An id in several pieces reads as one thing that differs.
    expect(groupMessage("no customer <id>-<n>", "no customer cus_9f3a2b-17")).toBe("no customer …");
    // Quoted text the API wrote as "…" still lines up with the example.
    expect(groupMessage('field "…" missing in order <n>', 'field "sku" missing in order 77')).toBe(
      'field "…" missing in order …',
    );
    // Without placeholders, the message as it is; an example that does not line up costs only the values.
    expect(groupMessage("The ERP is down", "The ERP is down")).toBe("The ERP is down");
    expect(groupMessage("order <n> failed", "something else")).toBe("order … failed");
  });

  it("says when the group was first and last seen, with the time written by the caller", () => {
    const time = (iso: string) => iso.slice(11, 16);
    expect(
      seenWords(
        { count: 42, firstSeen: "2026-12-06T01:12:00Z", lastSeen: "2026-12-06T03:40:00Z" },
        time,
      ),
    ).toBe("first 01:12, last 03:40");
    expect(
      seenWords(
        { count: 1, firstSeen: "2026-12-06T01:12:00Z", lastSeen: "2026-12-06T01:12:00Z" },
        time,
      ),
    ).toBe("at 01:12");
    expect(
      seenWords(
        { count: 4, firstSeen: "2026-12-06T01:12:05Z", lastSeen: "2026-12-06T01:12:50Z" },
        time,
      ),
    ).toBe("at 01:12");
  });
});

describe("the bulk-retry preview in sentences", () => {
  it("tells the story of the overnight ERP outage", () => {
    const words = previewSentences(
      preview({
        effects: { send_email: 38, call_webhook: 42 },
        deduplicated: { send_email: 4, update_record: 42 },
        webhookCalls: { calls: 42, originalIds: 42 },
      }),
      { webhook: "“Send to ERP”" },
    );
    expect(words).toEqual([
      "Retrying 42 runs will: send 38 emails (4 already sent are not sent twice), change no record twice (42 already changed are kept), call “Send to ERP” 42 times again with the same webhook ids so the receiver can spot repeats.",
      "3 steps already done are kept.",
    ]);
  });

  it("counts one of a kind in the singular and names unknown actions by their title", () => {
    const words = previewSentences(
      preview({
        runs: 1,
        steps: { again: 1, kept: 1, firstTime: 1 },
        effects: { send_sms: 1, notify_user: 1, publish_invoice: 2 },
        deduplicated: { send_sms: 1 },
        webhookCalls: { calls: 1, originalIds: 1 },
      }),
      { action: (a) => (a === "publish_invoice" ? "Publish the invoice" : undefined) },
    );
    expect(words[0]).toBe(
      "Retrying 1 run will: send 1 text message (1 already sent is not sent twice), send 1 notification, run “Publish the invoice” twice, call a webhook once again with the same webhook ids so the receiver can spot repeats.",
    );
    expect(words[1]).toBe(
      "1 step already done is kept; 1 step that never ran runs for the first time.",
    );
  });

  it("tells webhook calls that were never made apart from repeats", () => {
    const some = previewSentences(preview({ webhookCalls: { calls: 10, originalIds: 4 } }));
    expect(some[0]).toBe(
      "Retrying 42 runs will: call webhooks 10 times (4 of them again, with the same webhook ids so the receiver can spot repeats).",
    );
    const none = previewSentences(preview({ webhookCalls: { calls: 3, originalIds: 0 } }));
    expect(none[0]).toBe(
      "Retrying 42 runs will: call webhooks 3 times, none of them called before.",
    );
  });

  it("says so when nothing outside is touched, and when nothing matches", () => {
    expect(previewSentences(preview({ steps: { again: 42, kept: 0, firstTime: 0 } }))).toEqual([
      "Retrying 42 runs will send, change or call nothing outside Switchyard again.",
    ]);
    expect(previewSentences(preview({ runs: 0 }))).toEqual([
      "No failed run matches this choice: there is nothing to retry.",
    ]);
  });

  it("changes records once: never twice", () => {
    const words = previewSentences(
      preview({ effects: { update_record: 5 }, deduplicated: { update_record: 2 } }),
    );
    expect(words[0]).toBe(
      "Retrying 42 runs will: change 5 records, none of them twice (2 already changed are kept).",
    );
  });

  it("heads the runs that would fail again and those that cannot move", () => {
    expect(wouldFailHeading(0)).toBe("");
    expect(wouldFailHeading(1)).toBe("1 run would fail the same way:");
    expect(wouldFailHeading(4)).toBe("4 runs would fail the same way:");
    expect(incompatibleHeading(2, "the live version (v7)")).toBe(
      "2 runs cannot be retried on the live version (v7):",
    );
    expect(incompatibleHeading(1, "version 5")).toBe("1 run cannot be retried on version 5:");
    expect(tooManyWords(1000)).toBe(
      "More than 1,000 failed runs match: choose one workflow, a shorter time or one failure group, and retry those first.",
    );
  });
});

describe("why, without ids or error codes", () => {
  it("says why a run would fail the same way", () => {
    expect(
      wouldFailWhy(
        "Step 'erp' failed with http_error; the target answered 404, which it gives the same request again, and the run retries on its own version 1, where the step is unchanged.",
      ),
    ).toBe(
      "The target answered 404, which it gives the same request again, and the run retries on its own version 1, where the step is unchanged",
    );
    expect(
      wouldFailWhy(
        "Step 'reserve[3]' failed with template_error; its error (template_error) does not change on a retry, and version 4 leaves the step unchanged.",
      ),
    ).toBe("This error does not change on a retry, and version 4 leaves the step unchanged");
    expect(
      wouldFailWhy(
        "Step 'erp' as version 4 has it cannot be filled in from this run: unknown field order.sku",
      ),
    ).toBe(
      "The step as version 4 has it cannot be filled in from this run: unknown field order.sku",
    );
    // Anything else, as it is.
    expect(wouldFailWhy("the receiver refuses it")).toBe("The receiver refuses it");
  });

  it("names the steps a version changed by their names", () => {
    const names: Record<string, string> = { erp: "Send to ERP", note: "Note the order" };
    expect(
      incompatibleWhy(
        "version 3 changes steps it already finished: 'note' (changed), 'erp' (kind_changed)",
        (id) => names[id] ?? "a step",
      ),
    ).toBe(
      "Version 3 changes steps it already finished: “Note the order” (changed), “Send to ERP” (now a different kind of step)",
    );
    expect(incompatibleWhy("its workflow has no live version", () => "")).toBe(
      "Its workflow has no live version",
    );
  });
});

describe("the version a bulk retry runs on", () => {
  it("offers each run's own, the live one and the saved ones for one workflow", () => {
    expect(versionOptions(7, [5, 7, 6])).toEqual([
      { value: "own", label: "the version each run started with" },
      { value: "live", label: "the live version (v7)" },
      { value: "6", label: "version 6" },
      { value: "5", label: "version 5" },
    ]);
    expect(versionOptions(null, [], true)).toEqual([
      { value: "own", label: "the version each run started with" },
      { value: "live", label: "each workflow's live version" },
    ]);
    expect(versionOptions(null)).toEqual([
      { value: "own", label: "the version each run started with" },
    ]);
  });

  it("turns a choice into the request's version, and into words", () => {
    expect(versionOf("own")).toBeUndefined();
    expect(versionOf("live")).toBe("live");
    expect(versionOf("5")).toBe(5);
    expect(versionWords("live", 7)).toBe("the live version (v7)");
    expect(versionWords("5", 7)).toBe("version 5");
    expect(versionWords("own", 7)).toBe("the version each run started with");
  });

  it("puts a selection's filters in a query, leaving out what is not chosen", () => {
    expect(selectionQuery({ workflowId: "wf_1", errorGroup: "fg_2", since: "" })).toBe(
      "workflowId=wf_1&errorGroup=fg_2",
    );
  });
});

describe("the job in words", () => {
  it("shows progress with the runs that could not be retried", () => {
    expect(jobProgress(job({ done: 17 }))).toBe("Retried 17 of 42");
    // `done` counts every run taken: retried, refused or skipped.
    expect(jobProgress(job({ done: 18, failed: 1 }))).toBe(
      "Retried 17 of 42 · 1 could not be retried",
    );
    expect(jobProgress(job({ done: 5, skipped: 2 }))).toBe(
      "Retried 3 of 42 · 2 skipped (no longer failed)",
    );
    expect(jobFraction(job({ done: 21, failed: 1, skipped: 3 }))).toBeCloseTo(21 / 42);
    expect(jobFraction(job({ total: 0, status: "succeeded" }))).toBe(1);
  });

  it("names what a job retried", () => {
    const name = (id: string) => (id === "wf_1" ? "Send orders to the ERP" : undefined);
    expect(
      jobTitle(
        job({ selection: { status: "failed", workflowId: "wf_1", errorGroup: "fg_1" } }),
        name,
      ),
    ).toBe("Retry of 42 failed runs of Send orders to the ERP, in one failure group");
    expect(jobTitle(job({ total: 1, selection: { status: "failed" } }), name)).toBe(
      "Retry of 1 failed run",
    );
    expect(jobTitle(job({ selection: { status: "failed", workflowId: "wf_gone" } }), name)).toBe(
      "Retry of 42 failed runs of a deleted workflow",
    );
  });

  it("sums up how it ended", () => {
    expect(jobRunning(job({ status: "queued" }))).toBe(true);
    expect(jobRunning(job({ status: "cancelled" }))).toBe(false);
    expect(jobSummary(job({ status: "queued" }))).toBe("Waiting to start: 42 runs to retry.");
    expect(jobSummary(job({ status: "succeeded", done: 42, failed: 1 }))).toBe(
      "Done: retried 41 of 42 runs; 1 could not be retried.",
    );
    expect(jobSummary(job({ status: "cancelled", done: 12, failed: 2 }))).toBe(
      "Stopped: retried 10 of 42 runs; 2 could not be retried; 30 were not retried.",
    );
    expect(jobSummary(job({ status: "succeeded", done: 42, skipped: 2 }))).toBe(
      "Done: retried 40 of 42 runs; 2 runs no longer failed and were left alone.",
    );
    expect(jobSummary(job({ status: "failed", done: 42, failed: 42 }))).toBe(
      "None of the 42 runs could be retried: see why below.",
    );
  });
});

describe("a bulk retry in the audit log", () => {
  const entry = (type: string, details: Record<string, unknown>): AuditLine => ({
    id: "a1",
    seq: 1,
    at: "2026-12-06T03:00:00Z",
    actor: { type: "user", id: "us_1" },
    type,
    subject: "job_abc123",
    details,
  });
  const names = {
    workflow: (id: string) => (id === "wf_1" ? "Send orders to the ERP" : undefined),
  };

  it("says how many runs, of which workflow, on which version", () => {
    const started = entry("runs.bulk_retry_started", {
      selection: { workflowId: "wf_1", status: "failed", errorGroup: "fg_1" },
      total: 42,
      version: "live",
    });
    expect(detailWords(started, names)).toBe(
      "42 runs · of Send orders to the ERP · one failure group · on the live version",
    );
    expect(subjectWords(started, names)).toEqual({
      text: "A retry of many failed runs",
      href: null,
    });
    expect(
      detailWords(
        entry("runs.bulk_retry_started", {
          selection: { status: "failed" },
          total: 1,
          version: null,
        }),
        names,
      ),
    ).toBe("1 run · on the version each run started with");
  });

  it("says how far a stopped retry had come", () => {
    expect(
      detailWords(entry("job.cancelled", { kind: "bulk_retry", total: 40, done: 12 }), names),
    ).toBe("Stopped after 12 of 40 runs");
  });
});
