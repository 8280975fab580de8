// A link a person follows inside the builder (notify_user's `link`) must be
// a path on the platform itself. The API checks the rendered link when the
// step sends (apps/api/src/executors/notification-link.ts); this check runs
// when a workflow is saved and refuses what can never pass there: a literal
// link that is not a same-origin path, or a template whose literal text
// already leaves the platform (`https://…{{ x }}`, `//{{ host }}`).
import { z } from "zod";

/** Longest link kept (the API's MAX_LINK_LENGTH). */
const MAX_LINK_LENGTH = 2048;

/** Placeholders, so only a template's literal text is judged. */
const PLACEHOLDER = /\{\{[\s\S]*?\}\}/g;

/**
 * Why `link` can never be a path on this platform, or null when it is one
 * (or, for a template, may render as one).
 * @example platformLinkProblem("//evil.com") // "it names another host"
 * @example platformLinkProblem("/records/{{ event.id }}") // null
 */
export function platformLinkProblem(link: string): string | null {
  const template = link.includes("{{");
  const first = template ? link.indexOf("{{") : link.length;
  const head = link.slice(0, first);
  const literal = link.replace(PLACEHOLDER, "");
  if (!template && link.length > MAX_LINK_LENGTH) {
    return `longer than ${MAX_LINK_LENGTH} characters`;
  }
  if (head.length > 0 || !template) {
    if (!head.startsWith("/")) return "it does not start with /";
    if (head[1] === "/" || head[1] === "\\") return "it names another host";
  }
  if (literal.includes("\\")) return "it contains a backslash";
  if (/[\s\p{Cc}\p{Cf}]/u.test(literal)) return "it contains whitespace or a control character";
  if (/%(?:2f|5c)/i.test(literal)) return "it contains an encoded slash or backslash";
  return null;
}

/** A link field: a path on this platform, or a template that may render one. */
export function platformLink(description: string): z.ZodString {
  return z
    .string()
    .superRefine((value, ctx) => {
      const why = platformLinkProblem(value);
      if (why !== null) {
        ctx.addIssue({
          code: "custom",
          message: `must be a path on this platform, such as /runs/run_1, or a {{ template }}: ${why}`,
        });
      }
    })
    .describe(description);
}
