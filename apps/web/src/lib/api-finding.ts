// Finding things (issue 14, item 8): runs by their trigger event's fields,
// recent events with their runs, records by type with their history.
import { api, type EventSummary, type Page, type Run } from "./api";

const enc = encodeURIComponent;

/** A run in the list, with its event's key field ("payment pay_9004"). */
export interface ListedRun extends Run {
  eventType: string | null;
  eventKey: string | null;
}

export interface RunPage extends Page<ListedRun> {
  /** With a search: how many runs this page looked at. */
  scanned?: number;
}

export interface EventItem extends EventSummary {
  error: string | null;
  key: string | null;
  runs: Array<{ id: string; workflowId: string; status: string }>;
}

export interface RecordTypeItem {
  type: string;
  records: number;
  updatedAt: string | null;
}

export interface RecordItem {
  type: string;
  id: string;
  fields: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface RecordVersion {
  version: number;
  at: string;
  by: {
    type: string;
    id?: string;
    name: string | null;
    runId?: string;
    stepId?: string;
    step?: string | null;
    workflowId?: string | null;
  };
  changes: Record<string, { old: unknown; new: unknown }>;
}

export const finding = {
  runs: (query: string) => api<RunPage>("GET", `/v1/runs?${query}`),
  events: (query: string) => api<Page<EventItem>>("GET", `/v1/events?${query}`),
  redrive: (id: string) => api<{ id: string }>("POST", `/v1/events/${enc(id)}/redrive`),
  recordTypes: () => api<Page<RecordTypeItem>>("GET", "/v1/record-types?limit=200"),
  records: (type: string, cursor?: string | null) =>
    api<Page<RecordItem>>(
      "GET",
      `/v1/records/${enc(type)}?limit=50${cursor ? `&cursor=${enc(cursor)}` : ""}`,
    ),
  record: (type: string, id: string) =>
    api<RecordItem>("GET", `/v1/records/${enc(type)}/${enc(id)}`),
  versions: (type: string, id: string) =>
    api<Page<RecordVersion>>("GET", `/v1/records/${enc(type)}/${enc(id)}/versions?limit=200`),
};
