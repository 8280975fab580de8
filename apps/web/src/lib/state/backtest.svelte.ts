// "Try it on past events" in the editor's Preview (issue 16, item 4): saves
// what is on screen as the draft (as the autosave would), then backtests the
// latest version against the last 100 events of its trigger's type.

import { messageOf } from "$lib/api";
import { type Backtest, backtestEndpoints } from "$lib/api-backtest";
import { type BacktestRow, backtestRows, backtestSummary, differWords } from "$lib/model/backtest";
import { saveOpenDraft } from "./autosave.svelte";
import { catalog } from "./catalog.svelte";
import type { Editor } from "./editor.svelte";

export const BACKTEST_EVENTS = 100;

export class BacktestState {
  running = $state(false);
  error = $state("");
  result = $state<Backtest | null>(null);
  /** The rows whose filter explanation is shown. */
  open = $state<Record<string, boolean>>({});

  readonly summary = $derived(this.result ? backtestSummary(this.result) : "");
  readonly differ = $derived(this.result ? differWords(this.result) : null);
  readonly rows: BacktestRow[] = $derived.by(() =>
    this.result
      ? backtestRows(this.result, this.editorOf().def, (a) => catalog.action(a)?.title)
      : [],
  );

  /** The editor, read when needed (the panel's prop may change). */
  constructor(private readonly editorOf: () => Editor) {}

  async run(): Promise<void> {
    this.error = "";
    this.running = true;
    try {
      const editor = this.editorOf();
      // Through the autosave, so two saves of the same draft never race.
      await saveOpenDraft();
      let wf = editor.workflow;
      // The backtest tries the stored draft: save what is on screen first.
      if (!wf || editor.dirty) wf = await editor.save(false, true);
      if (!wf) {
        this.error = editor.saveError || "Save the workflow first.";
        return;
      }
      this.open = {};
      this.result = await backtestEndpoints.run(wf.id, { limit: BACKTEST_EVENTS });
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.running = false;
    }
  }

  toggle(eventId: string): void {
    this.open = { ...this.open, [eventId]: !this.open[eventId] };
  }
}
