// The Records page (issue 14, item 8): browse records by type; open one to
// see its fields and its history (which run's step or which person changed
// what, and when).
import { messageOf } from "$lib/api";
import {
  finding,
  type RecordItem,
  type RecordTypeItem,
  type RecordVersion,
} from "$lib/api-finding";

/** A field's value in words: text as it is, yes/no, lists and groups shortly. */
export function valueWords(v: unknown): string {
  if (v === null || v === undefined) return "(empty)";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return v.toLocaleString();
  if (typeof v === "string") return v === "" ? "(empty text)" : v;
  return JSON.stringify(v);
}

/** Who made a version, in words. */
export function byWords(v: RecordVersion): string {
  const by = v.by;
  if (by.type === "run") {
    const step = by.step ? `“${by.step}”` : "a step";
    return by.name ? `${step} of the workflow “${by.name}”` : `${step} of a workflow run`;
  }
  if (by.type === "user") return by.name ?? "a member";
  if (by.type === "api_key") return by.name ? `the API key “${by.name}”` : "an API key";
  return "Switchyard";
}

export class RecordBrowser {
  types = $state<RecordTypeItem[]>([]);
  type = $state("");
  items = $state<RecordItem[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(true);
  error = $state("");
  private generation = 0;

  async loadTypes(): Promise<void> {
    try {
      this.types = (await finding.recordTypes()).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async show(type: string): Promise<void> {
    this.type = type;
    const gen = ++this.generation;
    if (!type) {
      this.items = [];
      this.loading = false;
      return;
    }
    this.loading = true;
    try {
      const page = await finding.records(type);
      if (gen !== this.generation) return;
      this.items = page.items;
      this.nextCursor = page.nextCursor ?? null;
      this.error = "";
    } catch (err) {
      if (gen === this.generation) this.error = messageOf(err);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  async more(): Promise<void> {
    if (!this.nextCursor) return;
    try {
      const page = await finding.records(this.type, this.nextCursor);
      this.items = [...this.items, ...page.items];
      this.nextCursor = page.nextCursor ?? null;
    } catch (err) {
      this.error = messageOf(err);
    }
  }
}

export class RecordDetail {
  record = $state<RecordItem | null>(null);
  versions = $state<RecordVersion[]>([]);
  error = $state("");
  loading = $state(true);

  async load(type: string, id: string): Promise<void> {
    this.loading = true;
    this.error = "";
    try {
      const [record, versions] = await Promise.all([
        finding.record(type, id),
        finding.versions(type, id),
      ]);
      this.record = record;
      this.versions = versions.items;
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }
}
