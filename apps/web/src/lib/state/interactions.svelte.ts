// Hidden interactions (issue 14, item 9): the live workflows this workflow's
// trigger shares, and those its steps' record writes start.
import { messageOf } from "$lib/api";
import { draftEndpoints, type Interactions } from "$lib/api-drafts";

export class InteractionsState {
  data = $state<Interactions | null>(null);
  error = $state("");
  private asked = 0;

  async load(workflowId: string): Promise<void> {
    const ask = ++this.asked;
    try {
      const data = await draftEndpoints.interactions(workflowId);
      if (ask === this.asked) {
        this.data = data;
        this.error = "";
      }
    } catch (err) {
      if (ask === this.asked) this.error = messageOf(err);
    }
  }

  /** Steps whose effect starts a workflow, with the workflows they start. */
  readonly starting = $derived((this.data?.effects ?? []).filter((e) => e.starts.length > 0));
  readonly any = $derived((this.data?.sameTrigger.length ?? 0) > 0 || this.starting.length > 0);
}
