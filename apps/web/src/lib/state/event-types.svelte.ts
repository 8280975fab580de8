// Event types seen or declared, and declaring a new one.
import { EVENT_TYPE_PATTERN } from "@switchyard/engine";
import { ApiFailure, type EventTypeInfo, endpoints, itemsOf, messageOf } from "$lib/api";

export class EventTypes {
  items = $state<EventTypeInfo[]>([]);
  loading = $state(true);
  error = $state("");
  // The declaration form
  type = $state("");
  sample = $state('{\n  "id": "123"\n}');
  schema = $state("");
  formError = $state("");
  notice = $state("");
  saving = $state(false);

  readonly typeProblem = $derived(
    this.type && !EVENT_TYPE_PATTERN.test(this.type)
      ? "Use lower-case dotted words with at least two parts, like order.created"
      : "",
  );

  async load(): Promise<void> {
    try {
      this.items = itemsOf(await endpoints.eventTypes());
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async declare(): Promise<void> {
    this.formError = "";
    this.notice = "";
    if (!this.type || this.typeProblem) {
      this.formError = this.typeProblem || "Name the event type";
      return;
    }
    const body: { sample?: unknown; schema?: unknown } = {};
    try {
      if (this.sample.trim()) body.sample = JSON.parse(this.sample);
      if (this.schema.trim()) body.schema = JSON.parse(this.schema);
    } catch (err) {
      this.formError = `That is not valid JSON: ${(err as Error).message}`;
      return;
    }
    this.saving = true;
    try {
      await endpoints.declareEventType(this.type, body);
      this.notice = `Declared ${this.type}: the editor offers it as a trigger now.`;
      this.type = "";
      await this.load();
    } catch (err) {
      this.formError =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => `${d.path}: ${d.message}`).join("; ")
          : messageOf(err);
    } finally {
      this.saving = false;
    }
  }
}
