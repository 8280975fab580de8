// Drag payloads between the palette, step cards and insert slots. Every drag
// has a keyboard alternative (Add buttons, move up/down, Alt+arrows, the
// Move… menu into and out of branches).
import type { ListRef } from "$lib/model/steps";
import type { NewStep } from "$lib/state/editor.svelte";

export type DragPayload =
  | { type: "new"; spec: NewStep }
  | { type: "move"; ref: ListRef; index: number };

const MIME = "application/x-switchyard-step";
let current: DragPayload | null = null;

export function setDragPayload(event: DragEvent, payload: DragPayload): void {
  current = payload;
  if (!event.dataTransfer) return;
  event.dataTransfer.setData(MIME, JSON.stringify(payload));
  event.dataTransfer.setData("text/plain", payload.type === "new" ? "new step" : "move step");
  event.dataTransfer.effectAllowed = payload.type === "new" ? "copy" : "move";
}

export function readDragPayload(event: DragEvent): DragPayload | null {
  const raw = event.dataTransfer?.getData(MIME);
  if (raw) {
    try {
      return JSON.parse(raw) as DragPayload;
    } catch {
      return current;
    }
  }
  return current;
}

export function endDrag(): void {
  current = null;
}
