// The editor's Metrics tab (issue 16, item 5): a workflow's metrics over the
// window chosen (24 hours, 7 days, 30 days), loaded when the tab opens and
// when the window changes.
import { messageOf } from "$lib/api";
import { type MetricWindow, metricEndpoints, type WorkflowMetrics } from "$lib/api-metrics";

export class MetricsView {
  window = $state<MetricWindow>("24h");
  data = $state<WorkflowMetrics | null>(null);
  loading = $state(false);
  error = $state("");
  #asked = 0;

  constructor(readonly workflowId: string) {}

  async load(window: MetricWindow = this.window): Promise<void> {
    this.window = window;
    const asked = ++this.#asked;
    this.loading = true;
    this.error = "";
    try {
      const data = await metricEndpoints.workflow(this.workflowId, window);
      // A slower answer for a window no longer chosen is dropped.
      if (asked === this.#asked) this.data = data;
    } catch (err) {
      if (asked === this.#asked) this.error = messageOf(err);
    } finally {
      if (asked === this.#asked) this.loading = false;
    }
  }
}
