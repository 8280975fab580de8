// The one place a secret's value exists outside the tenant's store (issue
// 17): the action consumer, for one attempt. The engine dispatched each
// field that reads a secret as a template over `secrets` only, with its path
// in `secretFields`; here the values are read (one store call), filled in
// just before the executor runs, and every value of the tenant's secrets is
// masked in what the executor answers before it reaches the run. Nothing
// here logs, stores or returns a value.
import { fillSecretField, secretFieldNames } from "@switchyard/engine";
import type { Dispatch } from "../durable-objects/run-commands.ts";
import type { Env } from "../env.ts";
import { type ExecutionOutcome, permanentFailure, transientFailure } from "../executors/types.ts";
import { storeFor } from "../store/client.ts";

/** What a step's error code says when a secret it reads is not set. */
export const SECRET_MISSING = "secret_missing";

/** ... and when they could not be read (the store or its vault failed). */
export const SECRETS_UNAVAILABLE = "secrets_unavailable";

/** A value shorter than this is not masked (it would blank out ordinary text). */
export const MIN_MASKED_LENGTH = 4;

/**
 * The text a masked value becomes, the same everywhere: outputs, error
 * messages, events.
 * @example maskText("erp_token") // "[secret erp_token]"
 */
export const maskText = (name: string): string => `[secret ${name}]`;

/** Replaces every known secret value (and its encoded forms) in text with its mask. */
export type Masker = (text: string) => string;

export type PreparedConfig =
  | { ok: true; config: unknown; mask: Masker }
  | { ok: false; outcome: ExecutionOutcome };

/**
 * The step's config with its secret fields filled in, and the masker for
 * its outcome. A step without secret fields is passed through (no store
 * call). A secret that is not set fails the step permanently, naming it
 * and where to add it: a retry after adding it works.
 */
export async function prepareSecrets(env: Env, d: Dispatch): Promise<PreparedConfig> {
  const fields = d.secretFields ?? [];
  if (fields.length === 0) return { ok: true, config: d.config, mask: (t) => t };
  const config = structuredClone(d.config);
  const texts = fields.map((path) => fieldAt(config, path));
  const names = [...new Set(texts.flatMap((t) => (t === null ? [] : secretFieldNames(t))))];
  let found: Awaited<ReturnType<ReturnType<typeof storeFor>["secretValues"]>>;
  try {
    found = await storeFor(env, d.tenantId).secretValues(d.tenantId, names);
  } catch (error) {
    // The store or its vault failed (no value was read): worth another attempt.
    const why = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      outcome: transientFailure(
        SECRETS_UNAVAILABLE,
        `the step's secrets could not be read: ${why}`,
      ),
    };
  }
  // (RPC types lose the pairs' tuple type.)
  const pairs = (list: unknown) => list as Array<[string, string]>;
  const mask = masker([...pairs(found.values), ...pairs(found.others)]);
  if (found.missing.length > 0) {
    return { ok: false, outcome: missingOutcome(found.missing) };
  }
  const values = Object.fromEntries(pairs(found.values)) as Record<string, string>;
  try {
    fields.forEach((path, i) => {
      const text = texts[i];
      if (text !== null && text !== undefined) setAt(config, path, fillSecretField(text, values));
    });
  } catch (error) {
    // A field that no longer fills in (it cannot happen for what the engine
    // dispatched): the message is masked like any other.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, outcome: permanentFailure("invalid_config", mask(message)) };
  }
  return { ok: true, config, mask };
}

function missingOutcome(missing: readonly string[]): ExecutionOutcome {
  const list = missing.map((n) => `'${n}'`).join(", ");
  const one = missing.length === 1;
  return permanentFailure(
    SECRET_MISSING,
    `secret${one ? "" : "s"} ${list} ${one ? "does" : "do"} not exist: add ${one ? "it" : "them"} in Settings → Secrets (PUT /v1/secrets/${missing[0]}), then retry the run`,
  );
}

/**
 * A masker for these [name, value] pairs: each value, its JSON-escaped,
 * URL-encoded and base64 forms, longest first, becomes `[secret <name>]`.
 * @example masker([["t", "tok-123"]])("got tok-123") // "got [secret t]"
 */
export function masker(pairs: ReadonlyArray<readonly [string, string]>): Masker {
  const needles = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (value.length < MIN_MASKED_LENGTH) continue;
    for (const form of encodedForms(value)) {
      if (!needles.has(form)) needles.set(form, maskText(name));
    }
  }
  const ordered = [...needles.entries()].sort((a, b) => b[0].length - a[0].length);
  if (ordered.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const [needle, replacement] of ordered) {
      if (out.includes(needle)) out = out.split(needle).join(replacement);
    }
    return out;
  };
}

/** The forms a value may come back in: as is, JSON-escaped, URL-encoded, base64 (standard and URL-safe). */
function encodedForms(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const b64 = btoa(binary);
  const unpadded = b64.replace(/=+$/, "");
  const forms = [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    b64,
    unpadded,
    unpadded.replaceAll("+", "-").replaceAll("/", "_"),
  ];
  return [...new Set(forms)].filter((f) => f.length >= MIN_MASKED_LENGTH);
}

/**
 * The outcome with every string in it masked (output deep, keys included;
 * error messages; emitted events; a deferral's reason). Status, codes and
 * numbers are left as they are.
 */
export function maskOutcome(outcome: ExecutionOutcome, mask: Masker): ExecutionOutcome {
  switch (outcome.status) {
    case "succeeded":
      return {
        ...outcome,
        output: maskDeep(outcome.output, mask),
        ...(outcome.events ? { events: maskDeep(outcome.events, mask) } : {}),
      };
    case "failed":
      return { ...outcome, error: { ...outcome.error, message: mask(outcome.error.message) } };
    default: {
      // Any other outcome (a deferral): its text fields, never its status.
      const out: Record<string, unknown> = { ...outcome };
      for (const [k, v] of Object.entries(out)) {
        if (k !== "status" && typeof v === "string") out[k] = mask(v);
      }
      return out as ExecutionOutcome;
    }
  }
}

function maskDeep<T>(value: T, mask: Masker): T {
  if (typeof value === "string") return mask(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, mask(k), {
        value: maskDeep(v, mask),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}

function fieldAt(config: unknown, path: ReadonlyArray<string | number>): string | null {
  let at: unknown = config;
  for (const key of path) {
    if (at === null || typeof at !== "object" || !Object.hasOwn(at, key)) return null;
    at = (at as Record<string | number, unknown>)[key];
  }
  return typeof at === "string" ? at : null;
}

function setAt(config: unknown, path: ReadonlyArray<string | number>, value: unknown): void {
  let at = config as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
}
