// A trigger in a few words for lists and search: its event type, or its
// schedule's pattern. Types only from the engine: the workflows list is the
// first page a person loads and must not pull the engine in.
import type { Trigger } from "@switchyard/engine";

/**
 * "order.created", or "every 15m" / "0 9 * * 1" for a schedule.
 * @example triggerWords({ schedule: { cron: "0 9 * * 1" } }) // "0 9 * * 1"
 */
export function triggerWords(trigger: Trigger): string {
  if ("event" in trigger) return trigger.event;
  const { cron, every } = trigger.schedule ?? {};
  return cron ?? (every === undefined ? "" : `every ${every}`);
}

/** Whether a workflow runs on a schedule (read without the engine). */
export function onSchedule(trigger: Trigger): boolean {
  return "schedule" in trigger && trigger.schedule !== undefined;
}
