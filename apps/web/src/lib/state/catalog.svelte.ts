// The action catalogue and the event types, from GET /v1/catalog and
// GET /v1/event-types. Until those endpoints answer, the same data comes from
// @switchyard/engine (loaded lazily) and the builder's built-in samples.
import {
  ApiFailure,
  type CatalogAction,
  type EventTypeInfo,
  endpoints,
  type JsonSchema,
} from "$lib/api";
import { BUILTIN_EVENT_TYPES, inferSchema } from "$lib/model/samples";
import { SCHEDULE_FIRED_INFO } from "$lib/model/schedule-event";

export class CatalogState {
  actions = $state<CatalogAction[]>([]);
  eventTypes = $state<EventTypeInfo[]>([]);
  loaded = $state(false);
  /** "api" when the server's catalogue answered, "bundled" when the fallback is in use. */
  source = $state<"api" | "bundled">("api");
  private pending: Promise<void> | undefined;

  load(): Promise<void> {
    this.pending ??= this.fetch();
    return this.pending;
  }

  /** Forgets what was loaded: event types are the tenant's, so a tenant switch reloads them. */
  reset(): void {
    this.pending = undefined;
    this.loaded = false;
    this.actions = [];
    this.eventTypes = [];
  }

  action(name: string): CatalogAction | undefined {
    return this.actions.find((a) => a.name === name);
  }

  eventType(type: string): EventTypeInfo | undefined {
    const found = this.eventTypes.find((e) => e.type === type);
    // A schedule's event is nobody's to send: not listed, but its fields are known.
    if (type === SCHEDULE_FIRED_INFO.type) {
      const schema = found?.schema && Object.keys(found.schema).length > 0 ? found.schema : null;
      return {
        ...SCHEDULE_FIRED_INFO,
        ...found,
        sample: found?.sample ?? SCHEDULE_FIRED_INFO.sample,
        schema: schema ?? SCHEDULE_FIRED_INFO.schema,
      };
    }
    return found;
  }

  /** The event types a trigger may name (a schedule's own event is chosen as a schedule). */
  readonly triggerTypes = $derived(
    this.eventTypes.filter((e) => e.type !== SCHEDULE_FIRED_INFO.type),
  );

  /** The payload schema of an event type: declared, or inferred from its sample. */
  payloadSchema(type: string): JsonSchema {
    const info = this.eventType(type);
    if (info?.schema && Object.keys(info.schema).length > 0) return info.schema;
    return inferSchema(info?.sample ?? {});
  }

  private async fetch(): Promise<void> {
    let actions: CatalogAction[] = [];
    let types: EventTypeInfo[] = [];
    try {
      const catalog = await endpoints.catalog();
      actions = catalog.actions;
      types = catalog.eventTypes ?? [];
      this.source = "api";
    } catch (err) {
      if (!(err instanceof ApiFailure) || err.status === 0) throw err;
      const engine = await import("@switchyard/engine");
      actions = engine.listActions() as CatalogAction[];
      this.source = "bundled";
    }
    try {
      const seen = await endpoints.eventTypes();
      const items = Array.isArray(seen) ? seen : seen.items;
      types = mergeTypes(types, items);
    } catch {
      // Not there yet: the catalogue's and the built-in types still serve.
    }
    this.actions = actions;
    this.eventTypes = mergeTypes(BUILTIN_EVENT_TYPES, types);
    this.loaded = true;
  }
}

function mergeTypes(base: EventTypeInfo[], more: EventTypeInfo[]): EventTypeInfo[] {
  const byType = new Map(base.map((t) => [t.type, t]));
  for (const t of more) {
    const known = byType.get(t.type);
    // A null sample or schema from the server keeps the built-in one.
    byType.set(t.type, {
      ...known,
      ...t,
      sample: t.sample ?? known?.sample,
      schema: t.schema ?? known?.schema,
    });
  }
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}

export const catalog = new CatalogState();
