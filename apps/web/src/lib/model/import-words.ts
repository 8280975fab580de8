// Importing a workflow file in people's words (issue 17, item 4): a file read
// and checked before anything is sent ("not a Switchyard export", "made by a
// newer version"), what it holds (each workflow's name, trigger and number of
// steps), which connections and secrets it needs and whether this workspace
// has them, and the choices that map a missing one to one that exists.
// Pure and self-contained, so tests read it as the builder does.
import { definitionRequires, type Trigger, type WorkflowDefinition } from "@switchyard/engine";
import type { ImportMap, Requirements } from "../api-travel";
import { countSteps, stepsWords, triggerSentence } from "./outline-words";
import { connectionWords, secretWords } from "./template-words";

/** The export format this builder reads (`"switchyard": 1`). */
export const EXPORT_FORMAT = 1;

/** A workflow as a file holds it. */
export interface FileWorkflow {
  name: string;
  definition: WorkflowDefinition;
  requires: Requirements;
  /** Saved versions the file carries (exported with its versions; the last is the definition). */
  versions: number;
}

export type ReadFile =
  | { ok: true; document: unknown; workflows: FileWorkflow[] }
  | { ok: false; problem: string };

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isDefinition = (v: unknown): v is WorkflowDefinition =>
  isObject(v) && isObject(v.trigger) && Array.isArray(v.steps);

function requirementsIn(v: unknown): Requirements | null {
  if (!isObject(v)) return null;
  const names = (x: unknown) =>
    Array.isArray(x) ? x.filter((n): n is string => typeof n === "string") : [];
  return { connections: names(v.connections), secrets: names(v.secrets) };
}

/** One entry of a file: a definition itself, or `{ name?, definition, versions?, requires? }`. */
function entryOf(entry: unknown, fallbackRequires: Requirements | null): FileWorkflow | null {
  const def = isDefinition(entry)
    ? entry
    : isObject(entry) && isDefinition(entry.definition)
      ? entry.definition
      : null;
  if (!def) return null;
  const e = isObject(entry) ? entry : {};
  const name = typeof e.name === "string" && e.name.trim() ? e.name : def.name;
  return {
    name: name?.trim() || "Untitled workflow",
    definition: def,
    requires: requirementsIn(e.requires) ?? fallbackRequires ?? definitionRequires(def),
    versions: Array.isArray(e.versions) ? e.versions.length : 0,
  };
}

/**
 * Reads a chosen file's text: what it holds, or what is wrong with it in words.
 * @example readExport("hello", "notes.txt") // { ok: false, problem: "“notes.txt” is not a Switchyard export: …" }
 */
export function readExport(text: string, fileName = "This file"): ReadFile {
  const called = fileName === "This file" ? fileName : `“${fileName}”`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return {
      ok: false,
      problem: `${called} is not a Switchyard export: exports are JSON text, and this file is not. Choose the .json file that Export saved.`,
    };
  }
  if (!isObject(doc) || !("switchyard" in doc)) {
    return {
      ok: false,
      problem: `${called} is not a Switchyard export: it has no workflows of Switchyard's in it. Choose the .json file that Export saved.`,
    };
  }
  const format = doc.switchyard;
  if (typeof format !== "number" || !Number.isInteger(format) || format < 1) {
    return {
      ok: false,
      problem: `${called} is not a Switchyard export this builder can read: its format is not given as a number.`,
    };
  }
  if (format > EXPORT_FORMAT) {
    return {
      ok: false,
      problem: `${called} was made by a newer version of Switchyard (export format ${format}; this workspace reads format ${EXPORT_FORMAT}). Export it again from a workspace on this version, or update this one first.`,
    };
  }
  const shared = requirementsIn(doc.requires);
  const raw = Array.isArray(doc.workflows)
    ? doc.workflows
    : "workflow" in doc
      ? [doc.workflow]
      : [];
  const workflows: FileWorkflow[] = [];
  for (const entry of raw) {
    const read = entryOf(entry, raw.length === 1 ? shared : null);
    if (!read) {
      return {
        ok: false,
        problem: `${called} is damaged: one of its workflows has no trigger or no list of steps.`,
      };
    }
    workflows.push(read);
  }
  if (workflows.length === 0) return { ok: false, problem: `${called} holds no workflows.` };
  return { ok: true, document: doc, workflows };
}

/** One workflow of the file in a line: "Big order approval: when order created happens, 4 steps". */
export function fileWorkflowLine(
  w: FileWorkflow,
  opts: { scheduleWords?: (s: Extract<Trigger, { schedule: unknown }>["schedule"]) => string } = {},
): string {
  const trigger = triggerSentence(w.definition.trigger, opts);
  const lower = trigger.charAt(0).toLowerCase() + trigger.slice(1);
  const versions = w.versions > 1 ? `, with its ${w.versions} versions` : "";
  return `${lower}, ${stepsWords(countSteps(w.definition.steps ?? []))}${versions}`;
}

export interface Need {
  kind: "connection" | "secret";
  /** Its name in the file. */
  name: string;
  /** "a Slack connection", "the secret “erp_token”". */
  words: string;
  /** This workspace has one by that name. */
  here: boolean;
  /** Names of the file's workflows that use it. */
  usedBy: string[];
}

/** Everything the file's workflows need, each once, and whether this workspace has it. */
export function needsOf(workflows: readonly FileWorkflow[], have: Requirements): Need[] {
  const out: Need[] = [];
  const add = (kind: Need["kind"], name: string, by: string) => {
    const found = out.find((n) => n.kind === kind && n.name === name);
    if (found) {
      if (!found.usedBy.includes(by)) found.usedBy.push(by);
      return;
    }
    const here = (kind === "connection" ? have.connections : have.secrets).includes(name);
    const words =
      kind === "connection" ? `${connectionWords(name)} named “${name}”` : secretWords(name);
    out.push({ kind, name, words, here, usedBy: [by] });
  };
  for (const w of workflows) {
    for (const c of w.requires.connections) add("connection", c, w.name);
    for (const s of w.requires.secrets) add("secret", s, w.name);
  }
  return out;
}

/** Choices for the missing ones: file name → a name here ("" while none is chosen). */
export type Choices = Record<`${Need["kind"]}:${string}`, string>;

export const choiceKey = (n: Pick<Need, "kind" | "name">): `${Need["kind"]}:${string}` =>
  `${n.kind}:${n.name}`;

/** The missing ones nobody chose a replacement for yet. */
export function unresolved(needs: readonly Need[], choices: Choices): Need[] {
  return needs.filter((n) => !n.here && !choices[choiceKey(n)]);
}

/** The import's `map`, from the choices made for missing ones. */
export function importMap(needs: readonly Need[], choices: Choices): ImportMap {
  const map: ImportMap = { connections: {}, secrets: {} };
  for (const n of needs) {
    const chosen = choices[choiceKey(n)];
    if (n.here || !chosen) continue;
    (n.kind === "connection" ? map.connections : map.secrets)[n.name] = chosen;
  }
  return map;
}

/** What still stops the import, in a sentence; "" when nothing does. */
export function blockingWords(left: readonly Need[]): string {
  if (left.length === 0) return "";
  const one = left.length === 1;
  return `Choose ${one ? "one" : "each"} to use instead of ${left.map((n) => n.words).join(" and ")}, or create ${one ? "it" : "them"} in Settings and check again.`;
}

/** The button: "Import as a draft" / "Import as 3 drafts". */
export const importLabel = (n: number): string =>
  n === 1 ? "Import as a draft" : `Import as ${n} drafts`;
