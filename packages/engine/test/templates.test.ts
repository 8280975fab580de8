// Every template file at the repo root (templates/<id>.json) loads, its
// manifest checks out, and filled with its defaults and examples it is a
// workflow the engine accepts as it is: publishable, given the workspace
// has the connections and secrets it names (the API checks those).
import { describe, expect, it } from "vitest";
import { validateDefinition } from "../src/definition/validate.ts";
import { fillTemplate } from "../src/templates/fill.ts";
import { readTemplate, sampleValues } from "../src/templates/manifest.ts";

declare global {
  interface ImportMeta {
    glob<T>(pattern: string, options: { eager: true; import: "default" }): Record<string, T>;
  }
}

const files = import.meta.glob<unknown>("../../../templates/*.json", {
  eager: true,
  import: "default",
});
const entries = Object.entries(files).map(([path, json]) => ({
  file: path.replace(/^.*\//, "").replace(/\.json$/, ""),
  json,
}));

describe("the template files", () => {
  it("are at least ten", () => {
    expect(entries.length).toBeGreaterThanOrEqual(10);
  });

  it.each(entries)(
    "$file: the manifest checks out and its id is the file's name",
    ({ file, json }) => {
      const read = readTemplate(json);
      expect(read.ok ? [] : read.problems).toEqual([]);
      expect(read.ok && read.template.id).toBe(file);
    },
  );

  it.each(entries)(
    "$file: filled with its defaults and examples, the workflow is valid",
    ({ json }) => {
      const read = readTemplate(json);
      if (!read.ok) throw new Error(JSON.stringify(read.problems));
      const filled = fillTemplate(read.template, sampleValues(read.template.params));
      if (!filled.ok) throw new Error(JSON.stringify(filled.problems));
      const result = validateDefinition(filled.definition);
      expect(result.ok ? [] : result.problems).toEqual([]);
      // Nothing left unfilled.
      expect(JSON.stringify(filled.definition)).not.toMatch(/\[\[[A-Za-z_]\w*\]\]|"\$param"/);
    },
  );

  it("use the wave-2 constructs and the chat actions somewhere", () => {
    const all = JSON.stringify(entries.map((e) => e.json));
    for (const needle of [
      '"schedule"',
      '"waitFor"',
      '"forEach"',
      '"concurrency"',
      "send_slack_message",
      "send_teams_message",
      "send_google_chat_message",
      "http_request",
      "request_approval",
    ]) {
      expect(all, needle).toContain(needle);
    }
  });
});
