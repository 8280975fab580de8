// What a workflow needs from its workspace (issue 17): the connections its
// steps call by name and the secrets their settings insert, and what of that
// needs attention — a connection that is failing or missing, a secret that
// does not exist — in words, with where to fix it.
import type { Step, WorkflowDefinition } from "@switchyard/engine";
import type { ConnectionInfo } from "../api-credentials";
import { type HealthWords, healthWords } from "./connection-words";
import { secretRef } from "./secret-words";
import { flatSteps } from "./steps";

export interface Requirements {
  connections: string[];
  secrets: string[];
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every secret a value's strings insert, at any depth. */
export function secretsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    for (const m of value.matchAll(PLACEHOLDER)) {
      if (m.index > 0 && value[m.index - 1] === "\\") continue;
      const name = secretRef(m[1] ?? "");
      if (name) into.add(name);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) secretsIn(v, into);
  } else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) secretsIn(v, into);
  }
  return into;
}

/**
 * The connections (a step's `connection` given as a plain name) and the
 * secrets (`{{ secrets.name }}` in a step's settings) of a definition, sorted.
 * @example requirementsOf(def) // { connections: ["erp"], secrets: ["erp_token"] }
 */
export function requirementsOf(def: Pick<WorkflowDefinition, "steps">): Requirements {
  const connections = new Set<string>();
  const secrets = new Set<string>();
  for (const step of flatSteps(def as WorkflowDefinition) as Step[]) {
    if (!("action" in step)) continue;
    const config = (step.config ?? {}) as Record<string, unknown>;
    const c = config.connection;
    if (typeof c === "string" && c.trim() !== "" && !c.includes("{{")) connections.add(c);
    secretsIn(config, secrets);
  }
  return { connections: [...connections].sort(), secrets: [...secrets].sort() };
}

export interface Attention {
  kind: "connection-failing" | "connection-missing" | "secret-missing";
  /** The sentence shown. */
  text: string;
  /** Where it is fixed. */
  href: string;
  /** The link's words. */
  link: string;
  name: string;
}

/** Where a connection is shown in settings. */
export const connectionHref = (name: string): string =>
  `/settings/connections#connection-${encodeURIComponent(name)}`;

/**
 * What of a workflow's needs wants attention. `connections`/`secrets`: the
 * workspace's, or null while they are not known (nothing is said then).
 */
export function attentionOf(
  needs: Requirements,
  connections: readonly ConnectionInfo[] | null,
  secrets: readonly string[] | null,
  words: { now: number; clock: (iso: string) => string },
): Attention[] {
  const out: Attention[] = [];
  if (connections) {
    for (const name of needs.connections) {
      const c = connections.find((x) => x.name === name);
      if (!c) {
        out.push({
          kind: "connection-missing",
          name,
          text: `There is no connection called ${name}: steps that use it will fail.`,
          href: "/settings/connections",
          link: "Add it in Settings → Connections",
        });
      } else if (c.health.status === "failing") {
        const h: HealthWords = healthWords(c.health, words);
        out.push({
          kind: "connection-failing",
          name,
          text: `The connection ${name} is ${h.text.charAt(0).toLowerCase()}${h.text.slice(1)}.`,
          href: connectionHref(name),
          link: `See the connection ${name}`,
        });
      }
    }
  }
  if (secrets) {
    for (const name of needs.secrets) {
      if (secrets.includes(name)) continue;
      out.push({
        kind: "secret-missing",
        name,
        text: `There is no secret called ${name}: steps that use it will fail.`,
        href: "/settings/secrets",
        link: "Add it in Settings → Secrets",
      });
    }
  }
  return out;
}
