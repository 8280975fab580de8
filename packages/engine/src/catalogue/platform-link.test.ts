import { describe, expect, it } from "vitest";
import { validateDefinition } from "../definition/validate.ts";
import { platformLinkProblem } from "./platform-link.ts";

describe("platformLinkProblem", () => {
  it.each([
    "https://evil.com",
    "//evil.com",
    "/\\evil.com",
    "evil.com",
    "/%5Cevil.com",
    "/a b",
    "",
    "https://evil.com/{{ x }}",
    "//{{ host }}",
    "/\\{{ host }}",
    "/orders/{{ id }}\\x",
  ])("refuses %j", (link) => {
    expect(platformLinkProblem(link)).not.toBeNull();
  });

  it.each(["/", "/orders/1", "/records/{{ event.id }}", "{{ event.link }}", "/{{ a }}/{{ b }}"])(
    "accepts %j",
    (link) => {
      expect(platformLinkProblem(link)).toBeNull();
    },
  );

  it("reports a notify_user link that leaves the platform at its path", () => {
    const result = validateDefinition({
      name: "n",
      trigger: { event: "order.created" },
      steps: [
        {
          id: "note",
          action: "notify_user",
          config: { user: "a@example.com", message: "m", link: "//evil.com" },
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(["steps[0].config.link"]);
  });
});
