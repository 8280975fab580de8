// Numbers as people write them, in the workspace's locale (Settings →
// Workspace): "5,000" and "5,000.50" in English, "5.000" and "5.000,50" in
// German, "5 000,50" in French, "5'000.50" in Swiss German. A condition row
// reads what was typed as a number, or says in words why it is not one.

export interface Separators {
  group: string;
  decimal: string;
}

/** The locale's digit-group and decimal separators (falls back to English for an unknown tag). */
export function separatorsOf(locale: string): Separators {
  let parts: Intl.NumberFormatPart[];
  try {
    parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  } catch {
    parts = new Intl.NumberFormat("en").formatToParts(12345.6);
  }
  return {
    group: parts.find((p) => p.type === "group")?.value ?? ",",
    decimal: parts.find((p) => p.type === "decimal")?.value ?? ".",
  };
}

/** Spaces people type between digit groups: a space, and the no-break spaces locales print. */
const SPACES = /[\s\u00a0\u202f]/g;

export type NumberReading = { ok: true; value: number } | { ok: false; message: string };

/**
 * What a typed number means in `locale`, or why it is not one.
 * @example parseNumber("5.000,50", "de") // { ok: true, value: 5000.5 }
 * @example parseNumber("5,000", "en") // { ok: true, value: 5000 }
 */
export function parseNumber(text: string, locale: string): NumberReading {
  const raw = text.trim();
  const { group, decimal } = separatorsOf(locale);
  const example = formatNumber(5000.5, locale, 2);
  const why = (reason: string): NumberReading => ({
    ok: false,
    message: `“${raw}” is not a number${reason}; write it like ${example}.`,
  });
  if (raw === "") return why("");
  const spacey = /[\s\u00a0\u202f]/.test(group);
  const groupChar = spacey ? " " : group;
  const sign = raw.startsWith("-") ? -1 : 1;
  let body = raw.replace(/^[+-]/, "");
  if (spacey) body = body.replace(SPACES, " ");
  // Swiss German prints ’ between groups; people type an apostrophe.
  if (group === "’" || group === "'") body = body.replace(/['’]/g, group);
  // "5.000,50" in an English workspace: the separators are the other way round.
  const swapped = ` in this workspace (it writes decimals with “${decimal}”)`;
  const at = body.indexOf(decimal);
  if (at !== body.lastIndexOf(decimal)) return why(swapped);
  const whole = at === -1 ? body : body.slice(0, at);
  const fraction = at === -1 ? "" : body.slice(at + decimal.length);
  if (!/^\d*$/.test(fraction)) return why(fraction.includes(groupChar) ? swapped : "");
  const groups = whole === "" && fraction !== "" ? ["0"] : whole.split(groupChar);
  if (!groups.every((g) => /^\d+$/.test(g))) return why("");
  if (groups.slice(1).some((g) => g.length !== 3))
    return why(
      ` (a “${groupChar === " " ? "space" : group}” separates groups of three digits here)`,
    );
  const value = sign * Number(`${groups.join("")}${fraction ? `.${fraction}` : ""}`);
  return Number.isFinite(value) ? { ok: true, value } : why("");
}

/**
 * A number written the workspace's way.
 * @example formatNumber(5000.5, "de", 2) // "5.000,50"
 */
export function formatNumber(n: number, locale: string, minimumFractionDigits = 0): string {
  const opts = {
    minimumFractionDigits,
    maximumFractionDigits: Math.max(minimumFractionDigits, 10),
  };
  try {
    return new Intl.NumberFormat(locale, opts).format(n);
  } catch {
    return new Intl.NumberFormat("en", opts).format(n);
  }
}
