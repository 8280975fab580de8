// Autosave of the workflow being edited (issue 14, item 4): a couple of
// seconds after the last edit, and when the person leaves the editor, the
// draft is saved — incomplete or not; its problems only keep it from being
// published. The server writes over the person's own draft in place
// ("replaceDraft"), so pauses in typing do not each make a version, and the
// baseVersion check still answers 409 when someone else saved meanwhile.

import type { Workflow } from "$lib/api";
import { saveDraftOnClose } from "$lib/api-drafts";
import type { Editor } from "./editor.svelte";
import { session } from "./session.svelte";

export const AUTOSAVE_DELAY_MS = 2_000;

const snapshot = (value: unknown): string => JSON.stringify(value);

/** The save started by leaving the editor, while it runs. */
let leaving: Promise<unknown> | null = null;

/**
 * Resolves once a save started by leaving the editor has answered: a tenant
 * switch waits for it, so the save is made as the tenant it belongs to.
 */
export function savesSettled(): Promise<void> {
  return (leaving ?? Promise.resolve()).then(
    () => {},
    () => {},
  );
}

/** The editor open now, if any (signing out saves its draft first). */
let active: Autosave | null = null;

/** Saves what the open editor has not saved yet, and waits for a save made on leaving it. */
export async function saveOpenDraft(): Promise<void> {
  await active?.flush().catch(() => false);
  await savesSettled();
}

export class Autosave {
  private readonly editor: Editor;
  private readonly delayMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<Workflow | null> | null = null;
  /** An untouched new workflow (a template as offered) is not saved. */
  private baseline = $state("");
  /** The person left the editor: a new workflow's first save must not bring them back. */
  private left = false;
  /** Called with a new workflow once its first save created it (while still in the editor). */
  onCreated: (wf: Workflow) => void = () => {};

  constructor(editor: Editor, delayMs = AUTOSAVE_DELAY_MS) {
    this.editor = editor;
    this.delayMs = delayMs;
  }

  /** After the editor opened a workflow (or a new one). */
  opened(): void {
    active = this;
    this.cancel();
    this.left = false;
    this.baseline = this.editor.workflow ? "" : snapshot($state.snapshot(this.editor.def));
  }

  /** Edits not saved yet. */
  get pending(): boolean {
    if (!this.editor.dirty) return false;
    return this.editor.workflow !== null || snapshot(this.editor.def) !== this.baseline;
  }

  /** Call after every edit: saves once the person pauses. */
  schedule(): void {
    this.cancel();
    if (!this.pending) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Saves now if anything is unsaved; true when nothing is left unsaved. */
  async flush(): Promise<boolean> {
    this.cancel();
    if (this.running) await this.running;
    if (!this.pending) return true;
    const wasNew = this.editor.workflow === null;
    this.running = this.editor.save(false, true);
    try {
      const wf = await this.running;
      if (wf && wasNew && !this.left) this.onCreated(wf);
      return wf !== null && !this.pending;
    } finally {
      this.running = null;
    }
  }

  /** Leaving the editor inside the builder: the save goes on after the page is gone. */
  leave(): void {
    if (active === this) active = null;
    if (!this.pending) return;
    this.left = true;
    leaving = this.flush().finally(() => {
      leaving = null;
    });
  }

  /**
   * The page is closing (reload, tab closed): a last keepalive save. False
   * when it could not be sent, and the browser should ask before leaving.
   */
  close(): boolean {
    if (!this.pending) return true;
    const wf = this.editor.workflow;
    if (!wf) return false;
    return saveDraftOnClose(
      wf.id,
      $state.snapshot(this.editor.def),
      wf.latestVersion,
      session.me?.csrfToken,
    );
  }
}
