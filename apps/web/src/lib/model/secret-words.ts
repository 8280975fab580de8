// Secrets in people's words (issue 17, item 1): the rule for a name, what a
// `{{ secrets.name }}` placeholder is, the lock chip's words, and a step
// input's secret field shown as text and locks — never a value, which the
// builder never has. Pure, so the model tests read it as the pages do.

/**
 * A secret's name: a letter or _, then letters, digits and _, 64 at most —
 * the engine's SECRET_NAME_PATTERN (a model test holds them equal), written
 * out so the workflow list's first load does not carry the engine.
 */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The rule, said once for the form. */
export const SECRET_NAME_RULE =
  "Letters, digits and _ only, starting with a letter or _ (no spaces or dashes), at most 64 characters — for example erp_token.";

/**
 * Why a name cannot be a secret's name, or "" when it can.
 * @example secretNameProblem("erp token") // "A name cannot have spaces: use _ instead, as in erp_token."
 */
export function secretNameProblem(name: string, taken: readonly string[] = []): string {
  const n = name.trim();
  if (n === "") return "Give the secret a name, such as erp_token.";
  if (/\s/.test(n))
    return `A name cannot have spaces: use _ instead, as in ${n.replace(/\s+/g, "_")}.`;
  if (n.length > 64) return `That name is ${n.length} characters long; 64 at most.`;
  if (/^[0-9]/.test(n)) return "A name cannot start with a digit: start it with a letter or _.";
  if (!SECRET_NAME.test(n)) {
    const bad = [...new Set(n.replace(/[A-Za-z0-9_]/g, ""))].join(" ");
    return `A name has only letters, digits and _ (not ${bad}).`;
  }
  if (taken.includes(n))
    return `There is already a secret called ${n}: use “Replace value” on it instead.`;
  return "";
}

/** The text a secret is inserted as into a step's setting. */
export const secretText = (name: string): string => `{{ secrets.${name} }}`;

const REF = /^secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\])$/;

/**
 * The secret's name when a placeholder's expression is exactly one secret
 * (`secrets.erp_token` or `secrets["erp_token"]`); null for anything else.
 * @example secretRef("secrets.erp_token") // "erp_token"
 * @example secretRef("order.id") // null
 */
export function secretRef(source: string): string | null {
  const m = REF.exec(source.trim());
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

/** Whether an expression reads secrets at all (as one secret or inside something bigger). */
export const readsSecrets = (source: string): boolean => /(^|[^\w.$])secrets\b/.test(source);

/** The lock chip's words for a secret: "secret erp_token". */
export const lockWords = (name: string): string => `secret ${name}`;

/** One run of a shown text: plain, or a secret shown as its lock chip. */
export type SecretPart = { kind: "text"; text: string } | { kind: "secret"; name: string };

/**
 * A step input's string as text and locks. A field that held a secret is
 * kept as a template over secrets only: `{{ secrets.name }}` stays, every
 * other `{{` is written `\{{`. A string with no secret in it is shown as it is.
 * @example secretParts("Bearer {{ secrets.erp_token }}")
 * // [{ kind: "text", text: "Bearer " }, { kind: "secret", name: "erp_token" }]
 */
export function secretParts(text: string): SecretPart[] {
  const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;
  const refs = [...text.matchAll(placeholder)].filter(
    (m) => secretRef(m[1] ?? "") !== null && !escaped(text, m.index),
  );
  if (refs.length === 0) return text === "" ? [] : [{ kind: "text", text }];
  const out: SecretPart[] = [];
  let last = 0;
  const plain = (s: string) => {
    const unescaped = s.replace(/\\\{\{/g, "{{");
    if (unescaped) out.push({ kind: "text", text: unescaped });
  };
  for (const m of refs) {
    plain(text.slice(last, m.index));
    out.push({ kind: "secret", name: secretRef(m[1] ?? "") ?? "" });
    last = m.index + m[0].length;
  }
  plain(text.slice(last));
  return out;
}

function escaped(text: string, at: number): boolean {
  return at > 0 && text[at - 1] === "\\";
}

/** Whether a shown value (any JSON) holds a secret's lock anywhere. */
export function holdsSecret(value: unknown): boolean {
  if (typeof value === "string") return secretParts(value).some((p) => p.kind === "secret");
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecret);
  return false;
}

/** A used-by list in words: "Used by Order sync and Refunds (not live)", or "Not used by any workflow". */
export function usedByWords(usedBy: ReadonlyArray<{ name: string; live: boolean }>): string {
  if (usedBy.length === 0) return "Not used by any workflow";
  const names = usedBy.map(
    (u) => `${u.name.trim() || "an untitled workflow"}${u.live ? "" : " (draft)"}`,
  );
  return `Used by ${listWords(names)}`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * Who changed it, in words: a member by name (else email), an API key as
 * "an API key". `people`: the workspace's members, null while not known
 * (nothing is said then).
 * @example byWords("usr_1", [{ id: "usr_1", email: "ada@acme.example", name: "Ada" }]) // "Ada"
 */
export function byWords(
  by: string | null | undefined,
  people: ReadonlyArray<{ id: string; email: string; name?: string | null }> | null,
): string {
  if (!by) return "";
  if (/^(api_key:|key_)/.test(by)) return "an API key";
  if (people === null) return "";
  const who = people.find((p) => p.id === by || p.email === by);
  return who ? who.name?.trim() || who.email : "someone no longer in this workspace";
}

/**
 * The question asked before deleting a secret or a connection that
 * workflows still use, naming them.
 * @example inUseQuestion("secret", "erp_token", [{ name: "Order sync", live: true }])
 * // "The secret erp_token is used by Order sync. Their steps will fail until …"
 */
export function inUseQuestion(
  what: "secret" | "connection",
  name: string,
  usedBy: ReadonlyArray<{ name: string; live: boolean }>,
): string {
  const which = listWords(usedBy.map((u) => `“${u.name.trim() || "an untitled workflow"}”`));
  const those = usedBy.length === 1 ? "Its steps that use it" : "Their steps that use it";
  return `The ${what} ${name} is used by ${which}. ${those} will fail until you change them or add a ${what} with this name again. Delete it anyway?`;
}

/** A secret placeholder that cannot be used as written, in words, at its place in the text. */
export interface SecretProblem {
  message: string;
  /** The secret it names, when it names one. */
  name: string | null;
  /** The placeholder's `{{ … }}` in the text. */
  offset: number;
  length: number;
}

const PLACEHOLDERS = /\{\{\s*([\s\S]*?)\s*\}\}/g;

/** Every `{{ … }}` that reads secrets, with its place (escaped `\{{` is text). */
function secretPlaceholders(
  text: string,
): Array<{ source: string; offset: number; length: number }> {
  const out: Array<{ source: string; offset: number; length: number }> = [];
  for (const m of text.matchAll(PLACEHOLDERS)) {
    if (escaped(text, m.index) || !readsSecrets(m[1] ?? "")) continue;
    out.push({ source: (m[1] ?? "").trim(), offset: m.index, length: m[0].length });
  }
  return out;
}

/**
 * What is wrong with the secrets a field's text inserts: a secret where none
 * may go (`allowed` false: anywhere but a step's settings), a secret inside a
 * bigger expression, a name no secret has (`known`: the workspace's names,
 * null while not known).
 * @example secretProblems("Bearer {{ secrets.erp_tokn }}", { allowed: true, known: ["erp_token"] })
 * // [{ message: "There is no secret called erp_tokn.", name: "erp_tokn", offset: 7, length: 22 }]
 */
export function secretProblems(
  text: string,
  opts: { allowed: boolean; known: readonly string[] | null },
): SecretProblem[] {
  const out: SecretProblem[] = [];
  for (const p of secretPlaceholders(text)) {
    const name = secretRef(p.source);
    const at = { name, offset: p.offset, length: p.length };
    if (!opts.allowed) {
      out.push({
        ...at,
        message:
          "A secret can only go in a step's settings (a header, an address, a message…), where it is sent without being shown — not here.",
      });
    } else if (name === null) {
      out.push({
        ...at,
        message:
          "A secret goes in on its own, as {{ secrets.name }}: it cannot be part of a bigger expression.",
      });
    } else if (opts.known && !opts.known.includes(name)) {
      out.push({ ...at, message: `There is no secret called ${name}.` });
    }
  }
  return out;
}

/**
 * The live checks' findings outside secret placeholders: inside one, the
 * secret checks above speak (the data has no `secrets` field to check against).
 */
export function outsideSecrets<T extends { offset: number }>(found: T[], text: string): T[] {
  const spans = secretPlaceholders(text);
  return found.filter(
    (d) => !spans.some((s) => d.offset >= s.offset && d.offset < s.offset + s.length),
  );
}
