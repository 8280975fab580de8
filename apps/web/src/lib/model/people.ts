// People in the builder's words (issue 14, items 6 and 7): a member by name,
// which config fields hold a person, and the static emails in a definition
// that name nobody in the workspace. Pure: the members are an argument.
import { flattenSteps, type Problem, type WorkflowDefinition } from "@switchyard/engine";

export interface Person {
  email: string;
  name?: string | null;
}

/** The config fields that hold a member's email, by action (x-widget: person in the catalogue). */
export const PERSON_FIELDS: Readonly<Record<string, readonly string[]>> = {
  request_approval: ["approver"],
  create_task: ["assignee"],
  notify_user: ["user"],
};

const FIELD_WORDS: Readonly<Record<string, string>> = {
  approver: "approver",
  assignee: "assignee",
  user: "person to notify",
};

/** True when the value is filled in from the data (`{{ order.manager_email }}`). */
export const isTemplate = (value: string): boolean => value.includes("{{");

/**
 * The member with this email (case does not matter), if any.
 * @example memberOf(members, "Admin@Acme.example")?.name // "Ada Admin"
 */
export function memberOf<P extends Person>(people: readonly P[], email: string): P | undefined {
  const wanted = email.trim().toLowerCase();
  return people.find((p) => p.email.toLowerCase() === wanted);
}

/**
 * A person as people say it: their name, else their email; an API key as
 * such. Emails of people who are not (or no longer) members stay emails.
 * @example personWords(members, "admin@acme.example") // "Ada Admin"
 */
export function personWords(people: readonly Person[], who: string): string {
  if (who.startsWith("api_key:")) return "an API key";
  const name = memberOf(people, who)?.name?.trim();
  return name ? name : who;
}

/** Members whose name or email holds the query, names first in order. */
export function searchPeople<P extends Person>(people: readonly P[], query: string): P[] {
  const q = query.trim().toLowerCase();
  const hits = q
    ? people.filter((p) => `${p.name ?? ""} ${p.email}`.toLowerCase().includes(q))
    : [...people];
  return hits.sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
}

/**
 * Each person field holding a static email of someone who is not a member:
 * a problem on that field's path (so on its step), in words.
 * @example nonMemberProblems(def, members)[0].message
 * // "The approver, bob@example.com, is not a member of this workspace. …"
 */
export function nonMemberProblems(def: WorkflowDefinition, people: readonly Person[]): Problem[] {
  const out: Problem[] = [];
  for (const { step, place } of flattenSteps(def)) {
    if (!("action" in step)) continue;
    for (const field of PERSON_FIELDS[step.action] ?? []) {
      const value = step.config?.[field];
      if (typeof value !== "string" || value.trim() === "" || isTemplate(value)) continue;
      if (memberOf(people, value)) continue;
      out.push({
        path: `${place.path}.config.${field}`,
        // The problem list names the step ("Tell the manager — user: …").
        message: `The ${FIELD_WORDS[field] ?? field}, ${value.trim()}, is not a member of this workspace. Choose a member, or invite them in Settings → Members.`,
      });
    }
  }
  return out;
}
