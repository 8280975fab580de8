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
import { PagedList } from "./paged.svelte";

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

export class RecordBrowser extends PagedList<RecordItem> {
  types = $state<RecordTypeItem[]>([]);
  type = $state("");

  async loadTypes(): Promise<void> {
    try {
      this.types = (await finding.recordTypes()).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  show(type: string): Promise<void> {
    this.type = type;
    if (!type) {
      this.clear();
      return Promise.resolve();
    }
    return this.first(() => finding.records(type));
  }

  more(): Promise<void> {
    return this.next((cursor) => finding.records(this.type, cursor));
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
