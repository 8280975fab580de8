// A notification's link is data the builder turns into `<a href>`: only a
// path on the platform itself may be stored. Browsers read `//host`, `/\host`
// and `\/host` as another origin (backslashes count as slashes, tabs and
// newlines are stripped before parsing), so each of those would make the bell
// an open redirect. The builder mirrors the same rule
// (apps/web/src/routes/notifications/+page.svelte) for rows stored before it.

/** Longest link kept; a path longer than this is not one a person clicks. */
export const MAX_LINK_LENGTH = 2048;

const PROBE_ORIGIN = "https://x.invalid";

export type LinkCheck = { ok: true; link: string } | { ok: false; message: string };

/**
 * Accepts a same-origin path: exactly one leading `/` then a character that
 * is neither `/` nor `\`, no backslash, whitespace or control character
 * anywhere (nor an encoded slash or backslash a router might decode), and
 * resolving against a probe origin stays on it.
 * @example checkNotificationLink("/runs/run_1") // { ok: true, link: "/runs/run_1" }
 * @example checkNotificationLink("/\\evil.com").ok // false
 */
export function checkNotificationLink(link: string): LinkCheck {
  const refuse = (why: string): LinkCheck => ({
    ok: false,
    message: `must be a path on this platform, such as /runs/run_1: ${why}`,
  });
  if (link.length > MAX_LINK_LENGTH) return refuse(`longer than ${MAX_LINK_LENGTH} characters`);
  if (!link.startsWith("/")) return refuse("it does not start with /");
  if (link[1] === "/" || link[1] === "\\") return refuse("it names another host");
  if (link.includes("\\")) return refuse("it contains a backslash");
  // Unicode whitespace and C0/C1 controls: browsers strip some of them, which
  // can turn an innocent-looking path into another host.
  if (/[\s\p{Cc}\p{Cf}]/u.test(link))
    return refuse("it contains whitespace or a control character");
  if (/%(?:2f|5c)/i.test(link)) return refuse("it contains an encoded slash or backslash");
  let resolved: URL;
  try {
    resolved = new URL(link, `${PROBE_ORIGIN}/`);
  } catch {
    return refuse("it does not parse");
  }
  if (resolved.origin !== PROBE_ORIGIN || !resolved.href.startsWith(`${PROBE_ORIGIN}/`)) {
    return refuse("it leaves this platform");
  }
  return { ok: true, link };
}
