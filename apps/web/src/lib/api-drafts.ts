// Drafts saved while incomplete, autosave, and a workflow's interactions with
// others (issue 14, items 4 and 9): PUT /v1/workflows/:id with "publish":
// false and "replaceDraft": true writes over the person's own draft instead of
// saving a version per pause in typing; GET /v1/workflows/:id/interactions
// names the live workflows the same event or a step's record write starts.
import type { WorkflowDefinition } from "@switchyard/engine";
import { type ApiProblem, api, type Workflow } from "./api";

/** The workflow with what keeps its latest version (a draft) from going live. */
export type DraftWorkflow = Workflow & { problems?: ApiProblem[] };

export interface WorkflowRef {
  id: string;
  name: string;
}

export interface Interactions {
  trigger: string;
  /** Other live, enabled workflows the same event starts. */
  sameTrigger: WorkflowRef[];
  effects: Array<{
    stepId: string;
    stepName: string;
    events: string[];
    starts: Array<WorkflowRef & { event: string; self: boolean }>;
  }>;
}

const enc = encodeURIComponent;

export const draftEndpoints = {
  /** Saves the draft: over the person's own latest draft when it may, else as a new version. */
  saveDraft: (id: string, definition: WorkflowDefinition, baseVersion: number) =>
    api<DraftWorkflow>("PUT", `/v1/workflows/${enc(id)}`, {
      ...definition,
      publish: false,
      baseVersion,
      replaceDraft: true,
    }),
  createDraft: (definition: WorkflowDefinition) =>
    api<DraftWorkflow>("POST", "/v1/workflows", { ...definition, publish: false, enabled: true }),
  interactions: (id: string) => api<Interactions>("GET", `/v1/workflows/${enc(id)}/interactions`),
};

/** Bodies a page that is closing may still send (the browser's keepalive limit is 64 KiB). */
const KEEPALIVE_MAX = 60 * 1024;

/**
 * The last save as the page closes (reload, tab closed): a keepalive request
 * the browser finishes after the page is gone. False when it cannot be sent
 * so (too large), and the browser's own "leave?" question must stay.
 */
export function saveDraftOnClose(
  id: string,
  definition: WorkflowDefinition,
  baseVersion: number,
  csrfToken: string | undefined,
): boolean {
  const body = JSON.stringify({ ...definition, publish: false, baseVersion, replaceDraft: true });
  if (body.length > KEEPALIVE_MAX) return false;
  void fetch(`/v1/workflows/${enc(id)}`, {
    method: "PUT",
    keepalive: true,
    credentials: "same-origin",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(csrfToken ? { "x-csrf-token": csrfToken } : {}),
    },
    body,
  }).catch(() => {});
  return true;
}
