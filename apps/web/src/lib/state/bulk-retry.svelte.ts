// The bulk-retry dialog's state (issue 16, item 3): the preview of what
// retrying the chosen failed runs would do again, on which version, then the
// tracked job's progress, polled until it ends, with Stop while it runs.
import { ApiFailure, endpoints, messageOf } from "$lib/api";
import { type BulkPreview, type BulkSelection, bulkRetry, type Job } from "$lib/api-bulk-retry";
import {
  jobRunning,
  tooManyWords,
  type VersionChoice,
  type VersionOption,
  versionOf,
  versionOptions,
} from "$lib/model/bulk-retry-words";

const POLL_MS = 1000;

/** Which failed runs: everything of a selection but its version. */
export type RunChoice = Omit<BulkSelection, "status" | "version">;

export class BulkRetry {
  preview = $state<BulkPreview | null>(null);
  previewError = $state("");
  loading = $state(false);
  version = $state<VersionChoice>("own");
  /** With one workflow: its live version and its saved versions. */
  live = $state<number | null>(null);
  versions = $state<number[]>([]);
  job = $state<Job | null>(null);
  jobError = $state("");
  busy = $state(false);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private closed = false;

  constructor(readonly choice: RunChoice) {}

  get options(): VersionOption[] {
    return this.choice.workflowId
      ? versionOptions(this.live, this.versions)
      : versionOptions(null, [], true);
  }
  readonly running = $derived(this.job != null && jobRunning(this.job));

  selection(): BulkSelection {
    const version = versionOf(this.version);
    return { ...this.choice, status: "failed", ...(version === undefined ? {} : { version }) };
  }

  /** Loads the workflow's versions (one workflow chosen) and the first preview. */
  async open(): Promise<void> {
    this.closed = false;
    const id = this.choice.workflowId;
    if (id) {
      await Promise.all([
        endpoints.workflow(id).then(
          (w) => (this.live = w.liveVersion),
          () => undefined,
        ),
        endpoints.versions(id).then(
          (p) => (this.versions = p.items.filter((v) => !v.draft).map((v) => v.version)),
          () => undefined,
        ),
      ]);
    } else {
      // Several workflows: "live" still means each one's live version.
      this.live = null;
    }
    await this.load();
  }

  async choose(version: VersionChoice): Promise<void> {
    this.version = version;
    await this.load();
  }

  /** What retrying would do, on the chosen version; a newer choice wins over a slower answer. */
  async load(): Promise<void> {
    const gen = ++this.generation;
    this.loading = true;
    this.previewError = "";
    try {
      const p = await bulkRetry.preview(this.selection());
      if (gen === this.generation) this.preview = p;
    } catch (err) {
      if (gen !== this.generation) return;
      this.preview = null;
      this.previewError =
        err instanceof ApiFailure && err.status === 422 && /1[,.]?000|more than/i.test(err.message)
          ? tooManyWords(1000)
          : messageOf(err);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  /** Starts the job and follows it. */
  async start(): Promise<void> {
    this.busy = true;
    this.jobError = "";
    try {
      const { job } = await bulkRetry.start(this.selection());
      this.job = job;
      this.follow();
    } catch (err) {
      this.jobError = messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  /** Stop: the runs already retried stay retried; the rest are not. */
  async cancel(): Promise<void> {
    if (!this.job) return;
    this.busy = true;
    try {
      this.job = await bulkRetry.cancel(this.job.id);
      this.follow();
    } catch (err) {
      this.jobError = messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  private follow(): void {
    clearTimeout(this.timer);
    if (this.closed || !this.job || !jobRunning(this.job)) return;
    this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (!this.job) return;
    try {
      this.job = await bulkRetry.job(this.job.id);
      this.jobError = "";
    } catch (err) {
      // A passing network problem: say so and keep following.
      this.jobError = messageOf(err);
    }
    this.follow();
  }

  /** The dialog closed: stop polling (the job itself goes on on the server). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
