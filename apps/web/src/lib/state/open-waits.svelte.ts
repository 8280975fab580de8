// The open waits of a workflow (or of all), for the Runs page (issue 15,
// part 3): what each run waits for, in words, until when, and Stop waiting.
import { endpoints, messageOf } from "$lib/api";
import { type OpenWait, waitEndpoints } from "$lib/api-waits";
import { locate } from "$lib/model/steps";

export class OpenWaits {
  items = $state<OpenWait[]>([]);
  error = $state("");
  notice = $state("");
  busy = $state(false);
  loaded = $state(false);
  /** Step names by `${workflowId}/${stepId}`, from each workflow's current definition. */
  stepNames = $state<Record<string, string>>({});
  private workflowId = "";
  private asked = new Set<string>();

  async load(workflowId = this.workflowId): Promise<void> {
    this.workflowId = workflowId;
    try {
      const page = await waitEndpoints.list(workflowId || undefined);
      if (workflowId !== this.workflowId) return; // a later choice answered first
      this.items = page.items;
      this.error = "";
      this.loaded = true;
      await this.nameSteps();
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  private async nameSteps(): Promise<void> {
    const ids = [...new Set(this.items.map((w) => w.workflowId))].filter(
      (id) => !this.asked.has(id),
    );
    await Promise.all(
      ids.map(async (id) => {
        this.asked.add(id);
        try {
          const wf = await endpoints.workflow(id);
          const names: Record<string, string> = {};
          for (const w of this.items.filter((x) => x.workflowId === id)) {
            const step = locate(wf.definition, w.stepId)?.step;
            if (step?.name) names[`${id}/${w.stepId}`] = step.name;
          }
          this.stepNames = { ...this.stepNames, ...names };
        } catch {
          // The step is then called "Wait for an event".
        }
      }),
    );
  }

  stepName(w: OpenWait): string {
    return this.stepNames[`${w.workflowId}/${w.stepId}`] ?? "Wait for an event";
  }

  async stop(w: OpenWait): Promise<void> {
    this.busy = true;
    this.error = "";
    try {
      await waitEndpoints.stop(w.runId, w.stepId);
      this.notice = `Stopped waiting at “${this.stepName(w)}”: that run goes on with what to do if nothing arrives.`;
      this.items = this.items.filter((x) => !(x.runId === w.runId && x.stepId === w.stepId));
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }
}
