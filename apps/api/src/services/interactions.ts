// Hidden interactions (issue 14, item 9): which other live workflows listen to
// the same event as this one, and which workflows (this one included) a
// step's effect can start — a record write emits `<type>.created/updated`.
// Read from the latest saved version (the builder autosaves its draft) against
// the other workflows' live versions: those are the ones events start.
import { stepEffects, type WorkflowDefinition } from "@switchyard/engine";
import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows } from "../db/schema.ts";

export interface WorkflowRef {
  id: string;
  name: string;
}

export interface InteractionsView {
  /** The event this workflow (its latest version) listens to. */
  trigger: string;
  /** Other live, enabled workflows started by the same event. */
  sameTrigger: WorkflowRef[];
  /** Steps whose effect emits events, and the workflows those events start. */
  effects: Array<{
    stepId: string;
    stepName: string;
    events: string[];
    starts: Array<WorkflowRef & { event: string; self: boolean }>;
  }>;
}

/** Event types per statement: D1 binds at most 100 parameters (tenant id + 90). */
const TYPES_PER_QUERY = 90;

/** Live, enabled workflows of the tenant started by any of `types`. */
async function listenersOf(
  db: Db,
  tenantId: string,
  types: string[],
): Promise<Array<WorkflowRef & { event: string }>> {
  const parts: string[][] = [];
  for (let i = 0; i < types.length; i += TYPES_PER_QUERY)
    parts.push(types.slice(i, i + TYPES_PER_QUERY));
  const pages = await Promise.all(
    parts.map((part) =>
      db
        .select({ id: workflows.id, name: workflows.name, event: workflows.triggerEvent })
        .from(workflows)
        .where(
          and(
            eq(workflows.tenantId, tenantId),
            isNull(workflows.deletedAt),
            eq(workflows.enabled, true),
            isNotNull(workflows.liveVersion),
            inArray(workflows.triggerEvent, part),
          ),
        ),
    ),
  );
  return pages.flat().map((r) => ({ id: r.id, name: r.name, event: r.event ?? "" }));
}

/**
 * What this workflow's trigger and steps share with other workflows.
 * @example await interactionsOf(db, "tn_1", { id: "wf_1", name: "Big orders" }, definition)
 */
export async function interactionsOf(
  db: Db,
  tenantId: string,
  self: WorkflowRef,
  definition: WorkflowDefinition,
): Promise<InteractionsView> {
  // A schedule's occurrences are its own: no other workflow shares them.
  const trigger =
    definition.trigger &&
    "event" in definition.trigger &&
    typeof definition.trigger.event === "string"
      ? definition.trigger.event
      : "";
  const effects = stepEffects(definition);
  const types = [...new Set([trigger, ...effects.flatMap((e) => e.events)].filter(Boolean))];
  const listeners = types.length > 0 ? await listenersOf(db, tenantId, types) : [];
  const others = listeners.filter((l) => l.id !== self.id);
  return {
    trigger,
    sameTrigger: others.filter((l) => l.event === trigger).map(({ id, name }) => ({ id, name })),
    effects: effects.map((e) => ({
      ...e,
      starts: [
        ...(e.events.includes(trigger) && trigger ? [{ ...self, event: trigger, self: true }] : []),
        ...others.filter((l) => e.events.includes(l.event)).map((l) => ({ ...l, self: false })),
      ],
    })),
  };
}
