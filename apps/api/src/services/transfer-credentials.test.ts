import { definitionRequires } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { applyCredentialMap, renameSecrets } from "./transfer-credentials.ts";

const renames = new Map([
  ["erp_token", "erp_prod"],
  ["slack", "slack_ops"],
]);

describe("renameSecrets", () => {
  it("rewrites whole placeholders naming a renamed secret, in either form, and nothing else", () => {
    expect(renameSecrets("Bearer {{ secrets.erp_token }}", renames)).toBe(
      "Bearer {{ secrets.erp_prod }}",
    );
    expect(renameSecrets('{{secrets["erp_token"]}} and {{ secrets.slack }}', renames)).toBe(
      "{{secrets.erp_prod}} and {{ secrets.slack_ops }}",
    );
    // Other secrets, other roots, escaped braces and texts that are no template stay as written.
    for (const text of [
      "{{ secrets.other }}",
      "{{ order.erp_token }}",
      "\\{{ secrets.erp_token }}",
      "{{ secrets.erp_token",
      "secrets.erp_token",
    ]) {
      expect(renameSecrets(text, renames)).toBe(text);
    }
  });
});

describe("applyCredentialMap", () => {
  it("maps connections and secrets in every action, at any depth, without touching the original", () => {
    const def = {
      name: "Sync",
      trigger: { event: "order.created" },
      steps: [
        {
          id: "each",
          forEach: "order.lines",
          steps: [
            {
              id: "push",
              action: "call_webhook",
              config: {
                connection: "erp",
                url: "/lines",
                headers: { Authorization: "Bearer {{ secrets.erp_token }}" },
              },
            },
          ],
        },
        {
          id: "wait",
          waitFor: { event: "order.shipped", timeout: "1h" },
          onTimeout: [
            { id: "say", action: "http_request", config: { connection: "erp", url: "/late" } },
          ],
        },
        // A draft's half-written step: passed over, not a crash.
        { id: "half", if: "true" },
      ],
    };
    const before = JSON.stringify(def);
    const mapped = applyCredentialMap(def, {
      connections: new Map([["erp", "erp_eu"]]),
      secrets: renames,
    });
    expect(JSON.stringify(def)).toBe(before);
    expect(definitionRequires(mapped as never)).toEqual({
      connections: ["erp_eu"],
      secrets: ["erp_prod"],
    });
    expect(mapped.steps[0]).toMatchObject({
      steps: [{ config: { headers: { Authorization: "Bearer {{ secrets.erp_prod }}" } } }],
    });
  });
});
