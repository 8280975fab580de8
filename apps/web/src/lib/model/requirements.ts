// What a workflow needs from its workspace (issue 17): the connections its
// steps call by name and the secrets their settings insert, and what of that
// needs attention — a connection that is failing or missing, a secret that
// does not exist — in words, with where to fix it.
import type { DefinitionRequires } from "@switchyard/engine";
import type { ConnectionInfo } from "../api-credentials";
import { type HealthWords, healthWords } from "./connection-words";

// What a definition needs is the engine's `definitionRequires` (the API's
// usedBy and export read the same function); where the engine is not loaded
// (the workflow list) the connections' own `usedBy` says it.

/**
 * The connections that name a workflow in their `usedBy` (no secrets: a
 * missing one names nobody).
 * @example needsByUse("wf_1", connections) // { connections: ["erp"], secrets: [] }
 */
export function needsByUse(
  workflowId: string,
  connections: readonly ConnectionInfo[] | null,
): DefinitionRequires {
  const names = (connections ?? [])
    .filter((c) => c.usedBy.some((u) => u.workflowId === workflowId))
    .map((c) => c.name)
    .sort();
  return { connections: names, secrets: [] };
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
  needs: DefinitionRequires,
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

/**
 * Whether a save's problem says a connection or a secret does not exist
 * (the API's services/requirements.ts): the field itself says so live, in
 * its own words, so it is not said twice there (the problem list keeps it).
 * @example saysMissing("secret 'erp_tokn' does not exist: add it in Settings → Secrets") // true
 */
export function saysMissing(message: string): boolean {
  return /^(secret '[^']*' does not exist|there is no connection named ')/.test(message);
}
