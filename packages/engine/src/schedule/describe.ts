// A schedule in a sentence for people ("Every Monday at 09:00"). Only the
// common shapes get words; anything else is shown as its pattern, because a
// wrong paraphrase is worse than none.
import { formatDuration, parseDuration } from "../util/duration.ts";
import type { ScheduleTrigger } from "./types.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const DAY_NAMES: Record<string, number> = {
  SUN: 0,
  MON: 1,
  TUE: 2,
  WED: 3,
  THU: 4,
  FRI: 5,
  SAT: 6,
};
const UNITS = [
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
] as const;

function everySentence(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms % size === 0) {
      const n = ms / size;
      return n === 1 ? `Every ${unit}` : `Every ${n} ${unit}s`;
    }
  }
  return `Every ${formatDuration(ms)}`;
}

const NUMBER = /^\d{1,2}$/;

function list(values: string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} and ${values[values.length - 1]}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

/** Days of the week from "1", "1-5", "1,3,5", "MON"; null for anything else. */
function weekdays(field: string): number[] | null {
  const one = (text: string): number | null => {
    const upper = text.toUpperCase();
    if (upper in DAY_NAMES) return DAY_NAMES[upper]!;
    if (!NUMBER.test(text)) return null;
    const n = Number(text);
    return n <= 7 ? n % 7 : null;
  };
  const days: number[] = [];
  for (const part of field.split(",")) {
    const range = part.split("-");
    const from = one(range[0] ?? "");
    const to = range.length === 2 ? one(range[1] ?? "") : from;
    if (from === null || to === null || range.length > 2 || to < from) return null;
    for (let d = from; d <= to; d++) days.push(d);
  }
  return [...new Set(days)].sort((a, b) => a - b);
}

function daysPhrase(days: number[]): string {
  const key = days.join(",");
  if (key === "1,2,3,4,5") return "Every weekday";
  if (key === "0,6") return "Every Saturday and Sunday";
  if (days.length === 7) return "Every day";
  return `Every ${list(days.map((d) => DAYS[d]!))}`;
}

/**
 * A plain-English sentence for a schedule: "Every 15 minutes", "Every
 * Monday at 09:00", "Every day at 09:00 and 17:00", "On the 1st of every
 * month at 06:30"; otherwise "On the schedule <cron>". `locale` (a BCP 47
 * tag) only styles the times of day ("9:00 AM" for en-US); the words stay
 * English. A named time zone is added at the end.
 * @example describeSchedule({ cron: "0 9 * * 1" }) // "Every Monday at 09:00"
 */
export function describeSchedule(spec: ScheduleTrigger, locale?: string): string {
  const zone = spec.timezone === undefined ? "" : ` (${spec.timezone} time)`;
  if (spec.every !== undefined) {
    const ms = parseDuration(spec.every);
    return ms === null ? `Every ${spec.every}` : everySentence(ms);
  }
  const cron = spec.cron?.trim() ?? "";
  const words = cronSentence(cron, locale);
  return words === null ? `On the schedule ${cron}` : `${words}${zone}`;
}

function cronSentence(cron: string, locale: string | undefined): string | null {
  let fields = cron.split(/\s+/);
  if (fields.length === 6) {
    if (fields[0] !== "0") return null;
    fields = fields.slice(1);
  }
  if (fields.length !== 5) return null;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (month !== "*") return null;
  const time = (h: number, m: number): string =>
    locale === undefined
      ? `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`
      : new Intl.DateTimeFormat(locale, {
          hour: "numeric",
          minute: "2-digit",
          timeZone: "UTC",
        }).format(Date.UTC(2000, 0, 1, h, m));

  if (dom === "*" && dow === "*") {
    if (minute === "*" && hour === "*") return "Every minute";
    const step = /^\*\/(\d+)$/.exec(minute);
    if (step && hour === "*") return `Every ${step[1]} minutes`;
    if (NUMBER.test(minute) && hour === "*") return `Every hour at :${minute.padStart(2, "0")}`;
    const hourStep = /^\*\/(\d+)$/.exec(hour);
    if (NUMBER.test(minute) && hourStep) {
      return `Every ${hourStep[1]} hours at :${minute.padStart(2, "0")}`;
    }
  }
  if (!NUMBER.test(minute)) return null;
  const hours = hour.split(",");
  if (!hours.every((h) => NUMBER.test(h) && Number(h) < 24)) return null;
  const at = `at ${list(hours.map((h) => time(Number(h), Number(minute))))}`;
  if (dom === "*" && dow === "*") return `Every day ${at}`;
  if (dom === "*") {
    const days = weekdays(dow);
    return days === null ? null : `${daysPhrase(days)} ${at}`;
  }
  if (dow === "*" && NUMBER.test(dom) && Number(dom) >= 1 && Number(dom) <= 31) {
    return `On the ${ordinal(Number(dom))} of every month ${at}`;
  }
  return null;
}
