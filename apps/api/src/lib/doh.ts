// TXT records by DNS-over-HTTPS (a Worker cannot resolve DNS itself), with
// the JSON API that Cloudflare and Google serve: GET ?name=&type=TXT,
// `accept: application/dns-json`. For proving that a tenant controls an
// email domain before single sign-on routes that domain to it.

/** The resolver when SWITCHYARD_DOH_URL is unset. */
export const DEFAULT_DOH_URL = "https://cloudflare-dns.com/dns-query";
const DOH_TIMEOUT_MS = 5_000;
const TXT = 16;

/** The lookup itself failed (not "no such record", which is an empty answer). */
export class DohError extends Error {
  override name = "DohError";
}

/**
 * The TXT strings at `name` (character-strings of one record joined, as
 * RFC 7208 reads them); none when the name does not exist.
 * @example await lookupTxt("_switchyard-verify.acme.example", env.SWITCHYARD_DOH_URL)
 */
export async function lookupTxt(name: string, dohUrl: string | undefined): Promise<string[]> {
  const url = new URL(dohUrl || DEFAULT_DOH_URL);
  url.searchParams.set("name", name);
  url.searchParams.set("type", "TXT");
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new DohError(
      `the DNS resolver could not be reached (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new DohError(`the DNS resolver answered ${res.status}`);
  }
  let body: { Status?: unknown; Answer?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new DohError("the DNS resolver's answer is not JSON");
  }
  // 3 is NXDOMAIN: the name does not exist, so it has no records.
  if (body.Status === 3) return [];
  if (body.Status !== 0)
    throw new DohError(`the DNS lookup failed (status ${String(body.Status)})`);
  const answers = Array.isArray(body.Answer) ? body.Answer : [];
  return answers
    .filter(
      (a): a is { type: number; data: string } => a?.type === TXT && typeof a.data === "string",
    )
    .map((a) => txtText(a.data));
}

/** `"abc" "def"` → `abcdef`; an unquoted string is taken as it is. */
export function txtText(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1]!.replace(/\\(.)/g, "$1"),
  );
  return parts.length > 0 ? parts.join("") : data.trim();
}
