// The people pickers' words and the non-member check (issue 14, items 6 and 7),
// checked without a browser.
import type { WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { decisionTail } from "../../apps/web/src/lib/model/approval-words.ts";
import {
  nonMemberProblems,
  personWords,
  searchPeople,
} from "../../apps/web/src/lib/model/people.ts";

const members = [
  { email: "ada@example.com", name: "Ada Approver" },
  { email: "bo@example.com", name: "" },
];

describe("people in words", () => {
  it("names a member, keeps a stranger's email, and says an API key", () => {
    expect(personWords(members, "ADA@example.com")).toBe("Ada Approver");
    expect(personWords(members, "bo@example.com")).toBe("bo@example.com");
    expect(personWords(members, "gone@example.com")).toBe("gone@example.com");
    expect(personWords(members, "api_key:key_1")).toBe("an API key");
  });

  it("finds members by part of a name or email, names first in order", () => {
    expect(searchPeople(members, "appr").map((m) => m.email)).toEqual(["ada@example.com"]);
    expect(searchPeople(members, "EXAMPLE").map((m) => m.email)).toEqual([
      "ada@example.com",
      "bo@example.com",
    ]);
    expect(searchPeople(members, "zed")).toEqual([]);
  });

  it("says who decided and when, with the space before 'on'", () => {
    const a = {
      status: "approved",
      decidedBy: "ada@example.com",
      decidedAt: "2026-12-05T17:40:00.000Z",
    } as Parameters<typeof decisionTail>[0];
    expect(decisionTail(a, members)).toMatch(/^ by Ada Approver on \S.*2026/);
    expect(decisionTail({ ...a, decidedBy: null }, members)).toMatch(/^ on \S/);
  });
});

describe("non-members before publishing", () => {
  const def = {
    name: "w",
    trigger: { event: "order.created" },
    steps: [
      {
        id: "ask",
        name: "Manager approves",
        action: "request_approval",
        config: { approver: "ada@example.com", title: "t" },
      },
      {
        id: "check",
        if: "true",
        then: [
          {
            id: "todo",
            action: "create_task",
            config: { assignee: "nobody@example.com", title: "t" },
          },
        ],
        else: [
          {
            id: "tell",
            action: "notify_user",
            config: { user: "{{ order.manager }}", message: "m" },
          },
        ],
      },
    ],
  } as unknown as WorkflowDefinition;

  it("flags a static email of someone who is not a member, on its field, and no template", () => {
    expect(nonMemberProblems(def, members)).toEqual([
      {
        path: "steps[1].then[0].config.assignee",
        message:
          "The assignee, nobody@example.com, is not a member of this workspace. Choose a member, or invite them in Settings → Members.",
      },
    ]);
  });
});
