// Import (issue 17, item 4): a document from export becomes drafts in this
// workspace — never live. Reading it is checked in this order, each with
// the paths of its problems (relative to the document): its format version
// (422 `unsupported_version`), its shape (400), its definitions as the
// engine sees them (422 for what cannot be a workflow even as a draft),
// its `requires` against what the definitions name (400), the `map` (400),
// and then whether this workspace has every connection and secret it needs,
// as named or as mapped (422 `missing_requirements`, with `missing`, so the
// builder can ask for a mapping). Then: names that clash get "(imported)",
// workflows named inside definitions and settings are found by name, and
// what is not found is reported as the workflow's problems.
import {
  definitionRequires,
  draftShapeProblems,
  type Problem,
  SECRET_NAME_PATTERN,
  type WorkflowDefinition,
} from "@switchyard/engine";
import { ApiError, ErrorCode } from "../errors.ts";
import { canonicalJson } from "../lib/json.ts";
import type { WorkflowName } from "../repositories/workflow-transfer.ts";
import { autoPauseJson } from "../store/auto-pause.ts";
import { WORKFLOW_FAILED } from "../store/on-failure.ts";
import { alertsJson } from "./alert-settings.ts";
import { parseDraft } from "./drafts.ts";
import { applyCredentialMap, type CredentialMap } from "./transfer-credentials.ts";
import {
  documentWorkflows,
  type Requires,
  readDocument,
  type TransferDocument,
  type TransferWorkflow,
  workflowPath,
} from "./transfer-document.ts";
import { refsToIds } from "./transfer-refs.ts";

/** Most workflows one import takes (each is one D1 batch; D1 allows 1,000 queries per request). */
export const MAX_IMPORT_WORKFLOWS = 200;

/** Longest workflow name (the engine's limit). */
const MAX_NAME = 200;

/** The connections and secrets a workspace has, by name. */
export interface CredentialNames {
  connections: ReadonlySet<string>;
  secrets: ReadonlySet<string>;
}

/** An import's options from the request. */
export interface ImportOptions {
  /** The name of the one workflow of a single-workflow document. */
  name?: string | undefined;
  map?: { connections?: Record<string, string>; secrets?: Record<string, string> } | undefined;
}

/** One workflow as it will be written. */
export interface PlannedWorkflow {
  id: string;
  name: string;
  /** Every version to save, oldest first; the last is the draft. */
  definitions: WorkflowDefinition[];
  alerts: string | null;
  onFailure: string | null;
  autoPause: string | null;
  /** What the import could not carry over (paths relative to the workflow's entry). */
  importProblems: Problem[];
}

type Definition = Record<string, unknown>;

const fail = (status: 400 | 422, code: ErrorCode, message: string, details: Problem[]) =>
  new ApiError(status, code, message, details);

/**
 * Reads and checks the document (see the top of this file for the order).
 * @throws ApiError 400, 413 or 422
 */
export function readImport(input: unknown, opts: ImportOptions): TransferDocument {
  const read = readDocument(input);
  if (!read.ok && "unsupportedVersion" in read) {
    throw fail(
      422,
      ErrorCode.unsupportedVersion,
      `This document is format version ${JSON.stringify(read.unsupportedVersion)}; this Switchyard reads version 1. Export it again from a Switchyard of this version.`,
      [{ path: "switchyard", message: "this Switchyard reads version 1" }],
    );
  }
  if (!read.ok) {
    throw fail(400, ErrorCode.badRequest, "The document is not a Switchyard export", read.problems);
  }
  const doc = read.document;
  const entries = documentWorkflows(doc);
  if (entries.length > MAX_IMPORT_WORKFLOWS) {
    throw new ApiError(
      413,
      ErrorCode.payloadTooLarge,
      `The document holds ${entries.length} workflows; import at most ${MAX_IMPORT_WORKFLOWS} at once (split it)`,
    );
  }
  if (opts.name !== undefined && doc.kind !== "workflow") {
    throw fail(400, ErrorCode.badRequest, "A name is given for a single workflow only", [
      { path: "name", message: "this document holds a workspace; leave the name out" },
    ]);
  }
  checkEntries(doc);
  checkRequires(doc);
  checkMap(doc.requires, opts.map);
  return doc;
}

/** Each entry's name and description are its definition's; each definition can be stored as a draft. */
function checkEntries(doc: TransferDocument): void {
  const shape: Problem[] = [];
  const mismatch: Problem[] = [];
  documentWorkflows(doc).forEach((w, i) => {
    const at = workflowPath(doc, i);
    if (w.definition.name !== w.name) {
      mismatch.push({ path: `${at}.name`, message: `differs from ${at}.definition.name` });
    }
    if (w.definition.description !== w.description) {
      mismatch.push({
        path: `${at}.description`,
        message: `differs from ${at}.definition.description`,
      });
    }
    const defs: Array<[string, unknown]> = [[`${at}.definition`, w.definition]];
    (w.versions ?? []).forEach((v, j) => {
      defs.push([`${at}.versions[${j}].definition`, v.definition]);
    });
    for (const [path, def] of defs) {
      for (const p of draftShapeProblems(def)) {
        shape.push({ ...p, path: p.path === "" ? path : `${path}.${p.path}` });
      }
    }
  });
  if (mismatch.length > 0) {
    throw fail(400, ErrorCode.badRequest, "The document is not a Switchyard export", mismatch);
  }
  if (shape.length > 0) {
    throw fail(
      422,
      ErrorCode.invalidDefinition,
      "A definition in the document is not a workflow, so it cannot be imported even as a draft",
      shape,
    );
  }
}

/** Every definition of an entry: its versions, then its definition. */
function allDefinitions(w: TransferWorkflow): Definition[] {
  return [...(w.versions ?? []).map((v) => v.definition), w.definition];
}

/** `requires` says exactly what the definitions name. */
function checkRequires(doc: TransferDocument): void {
  const used = { connections: new Set<string>(), secrets: new Set<string>() };
  for (const w of documentWorkflows(doc)) {
    for (const d of allDefinitions(w)) {
      const r = definitionRequires(d as unknown as WorkflowDefinition);
      for (const c of r.connections) used.connections.add(c);
      for (const s of r.secrets) used.secrets.add(s);
    }
  }
  const problems: Problem[] = [];
  for (const kind of ["connections", "secrets"] as const) {
    const listed = [...new Set(doc.requires[kind])].sort();
    const want = [...used[kind]].sort();
    if (
      canonicalJson(listed) !== canonicalJson(want) ||
      listed.length !== doc.requires[kind].length
    ) {
      problems.push({
        path: `requires.${kind}`,
        message: `the definitions name ${want.length === 0 ? "none" : want.map((n) => `'${n}'`).join(", ")}; list exactly those, each once`,
      });
    }
  }
  if (problems.length > 0) {
    throw fail(
      400,
      ErrorCode.badRequest,
      "The document's requires do not match its definitions",
      problems,
    );
  }
}

/** A map names only what the document requires, and secrets by valid names. */
function checkMap(requires: Requires, map: ImportOptions["map"]): void {
  const problems: Problem[] = [];
  for (const kind of ["connections", "secrets"] as const) {
    for (const [from, to] of Object.entries(map?.[kind] ?? {})) {
      const at = `map.${kind}.${from}`;
      if (!requires[kind].includes(from)) {
        problems.push({ path: at, message: `the document does not use '${from}'` });
      } else if (kind === "secrets" && !SECRET_NAME_PATTERN.test(to)) {
        problems.push({
          path: at,
          message: "a secret's name is a letter or _, then letters, digits or _ (64 at most)",
        });
      }
    }
  }
  if (problems.length > 0) {
    throw fail(400, ErrorCode.badRequest, "The map names what the document does not use", problems);
  }
}

/** The names this workspace must have: each requirement as named, or as mapped. */
export function mappedRequires(requires: Requires, map: ImportOptions["map"]): Requires {
  return {
    connections: requires.connections.map((n) => map?.connections?.[n] ?? n),
    secrets: requires.secrets.map((n) => map?.secrets?.[n] ?? n),
  };
}

/** Why the import cannot go ahead: what is missing, for the 422 `missing_requirements`. */
export interface MissingRequirements {
  details: Problem[];
  missing: Requires;
}

/**
 * What the workspace lacks of the document's requirements, each as named
 * or as mapped; null when it has everything.
 */
export function missingRequirements(
  requires: Requires,
  map: ImportOptions["map"],
  here: CredentialNames,
): MissingRequirements | null {
  const details: Problem[] = [];
  const missing: Requires = { connections: [], secrets: [] };
  const words = {
    connections: { one: "connection", create: "POST /v1/connections" },
    secrets: { one: "secret", create: "PUT /v1/secrets/<name>" },
  } as const;
  for (const kind of ["connections", "secrets"] as const) {
    const w = words[kind];
    requires[kind].forEach((name, i) => {
      const to = map?.[kind]?.[name] ?? name;
      if (here[kind].has(to)) return;
      missing[kind].push(name);
      details.push({
        path: `requires.${kind}[${i}]`,
        message:
          to === name
            ? `This workspace has no ${w.one} '${name}': create it (${w.create}), or map it to one this workspace has (map.${kind}.${name})`
            : `'${name}' is mapped to '${to}', which this workspace does not have either: create '${to}' (${w.create}), or map '${name}' to one it has`,
      });
    });
  }
  return details.length > 0 ? { details, missing } : null;
}

/**
 * The first name of `base`, `base (imported)`, `base (imported 2)`, … that
 * `taken` does not hold, within the name limit.
 * @example freeName("Orders", new Set(["Orders"])) // "Orders (imported)"
 */
export function freeName(base: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? "" : n === 2 ? " (imported)" : ` (imported ${n - 1})`;
    const name = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

/** A workflow of the document or of this workspace, found by name; or why none is. */
type Found = { id: string; trigger: string | null } | { why: string };

/**
 * Plans the import: names, ids, the definitions to save (mapped, renamed,
 * with workflow references resolved) and the settings.
 * @example const plan = planImport(doc, opts, existing, () => newId("wf"))
 */
export function planImport(
  doc: TransferDocument,
  opts: ImportOptions,
  existing: readonly WorkflowName[],
  makeId: () => string,
): PlannedWorkflow[] {
  const entries = documentWorkflows(doc);
  const ids = entries.map(() => makeId());
  const taken = new Set(existing.map((w) => w.name));
  const names = entries.map((w) => {
    const name = opts.name ?? freeName(w.name, taken);
    taken.add(name);
    return name;
  });
  const inDocument = new Map<string, number[]>();
  entries.forEach((w, i) => {
    inDocument.set(w.name, [...(inDocument.get(w.name) ?? []), i]);
  });
  const here = new Map<string, WorkflowName[]>();
  for (const w of existing) here.set(w.name, [...(here.get(w.name) ?? []), w]);
  const triggerOf = (d: Definition): string | null => {
    const t = d.trigger as { event?: unknown } | undefined;
    return typeof t?.event === "string" ? t.event : null;
  };
  const find = (name: string, self: number): Found => {
    if (entries[self]!.name === name)
      return { id: ids[self]!, trigger: triggerOf(entries[self]!.definition) };
    const docs = inDocument.get(name) ?? [];
    if (docs.length === 1)
      return { id: ids[docs[0]!]!, trigger: triggerOf(entries[docs[0]!]!.definition) };
    if (docs.length > 1) return { why: `several workflows in the document are named '${name}'` };
    const found = here.get(name) ?? [];
    if (found.length === 1) return { id: found[0]!.id, trigger: found[0]!.triggerEvent };
    if (found.length > 1) return { why: `several workflows in this workspace are named '${name}'` };
    return { why: `no workflow named '${name}' is in the document or in this workspace` };
  };
  const map: CredentialMap = {
    connections: new Map(Object.entries(opts.map?.connections ?? {})),
    secrets: new Map(Object.entries(opts.map?.secrets ?? {})),
  };
  return entries.map((w, i) =>
    planOne(w, { id: ids[i]!, name: names[i]!, map, find: (n) => find(n, i) }),
  );
}

function planOne(
  w: TransferWorkflow,
  ctx: { id: string; name: string; map: CredentialMap; find: (name: string) => Found },
): PlannedWorkflow {
  const problems: Problem[] = [];
  const versions = (w.versions ?? []).map((v) => v.definition);
  const last = versions[versions.length - 1];
  // The definition is the draft: the last version when it is the same, else one more version.
  const sameAsLast = last !== undefined && canonicalJson(last) === canonicalJson(w.definition);
  const sources = sameAsLast ? versions : [...versions, w.definition];
  const definitions = sources.map((source, j) => {
    const prefix = j === sources.length - 1 ? "" : `versions[${j}]`;
    const renamed = source.name === w.name ? { ...source, name: ctx.name } : source;
    const mapped = applyCredentialMap(renamed, ctx.map);
    const resolved = refsToIds(mapped, ctx.find, prefix);
    for (const u of resolved.unresolved) {
      problems.push({
        path: u.path,
        message: `names the workflow '${u.name}', but ${u.why}: it was left as written`,
      });
    }
    return parseDraft(resolved.value).definition;
  });
  const s = w.settings ?? {};
  let onFailure: string | null = null;
  if (s.onFailure) {
    const at = "settings.onFailure.workflow";
    const found = ctx.find(s.onFailure.workflow);
    const leftOut = "; the on-failure setting was left out (choose one in the workflow's settings)";
    if ("why" in found) problems.push({ path: at, message: `${found.why}${leftOut}` });
    else if (found.id === ctx.id)
      problems.push({ path: at, message: `a workflow cannot run itself on failure${leftOut}` });
    else if (found.trigger !== WORKFLOW_FAILED)
      problems.push({
        path: at,
        message: `'${s.onFailure.workflow}' does not start on ${WORKFLOW_FAILED}${leftOut}`,
      });
    else onFailure = found.id;
  }
  return {
    id: ctx.id,
    name: ctx.name,
    definitions,
    alerts: s.alerts ? alertsJson(s.alerts) : null,
    onFailure,
    autoPause: s.autoPause ? autoPauseJson(s.autoPause) : null,
    importProblems: problems,
  };
}
