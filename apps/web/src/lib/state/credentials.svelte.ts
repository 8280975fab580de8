// The workspace's secrets (names only) and connections (with their health),
// for the screens that use them rather than manage them: the editor's pickers
// and checks, the workflow list's warnings. Read once per workspace and again
// when the window gets focus back (a connection added in another tab).
import { ApiFailure } from "$lib/api";
import { type ConnectionInfo, credentialEndpoints } from "$lib/api-credentials";
import { session } from "./session.svelte";
import { workspaceFormat } from "./workspace-format.svelte";

/** Re-read at most this often on focus. */
const FRESH_MS = 5_000;

class Credentials {
  /** Secret names, sorted; null while not known (not loaded, or the server has no secrets yet). */
  secrets = $state<string[] | null>(null);
  /** null while not known. */
  connections = $state<ConnectionInfo[] | null>(null);
  #for = "";
  #loading: Promise<void> | null = null;
  #at = 0;

  /** Reads both lists, once per workspace; `force`: again now (as `refresh`). */
  load(force = false): Promise<void> {
    if (force) this.#loading = null;
    const tenant = session.me?.tenant.id ?? "";
    if (tenant !== this.#for) {
      this.#loading = null;
      this.secrets = null;
      this.connections = null;
    }
    this.#for = tenant;
    this.#loading ??= this.fetch();
    return this.#loading;
  }

  /** Reads both lists again now (something was added, changed or deleted). */
  refresh(): Promise<void> {
    this.#loading = null;
    return this.load();
  }

  /** Reads them again unless they were read a moment ago (the window got focus back). */
  refreshSoon(): Promise<void> {
    if (Date.now() - this.#at > FRESH_MS) this.#loading = null;
    return this.load();
  }

  /** Forgets both lists (another workspace, or signed out). */
  reset(): void {
    this.#loading = null;
    this.#for = "";
    this.secrets = null;
    this.connections = null;
  }

  connection(name: string): ConnectionInfo | undefined {
    return this.connections?.find((c) => c.name === name);
  }

  private async fetch(): Promise<void> {
    this.#at = Date.now();
    const [secrets, connections] = await Promise.allSettled([
      credentialEndpoints.secrets(),
      credentialEndpoints.connections(),
    ]);
    if (secrets.status === "fulfilled")
      this.secrets = secrets.value.items.map((s) => s.name).sort();
    else if (!unknownRoute(secrets.reason)) this.#loading = null;
    if (connections.status === "fulfilled") this.connections = connections.value.items;
    else if (!unknownRoute(connections.reason)) this.#loading = null;
  }
}

/** A server without these routes yet: nothing to say about them (not an error to retry). */
const unknownRoute = (err: unknown) =>
  err instanceof ApiFailure && (err.status === 404 || err.status === 405);

export const credentials = new Credentials();

/**
 * An instant for a health sentence: a time of today as "14:05", an earlier
 * one with its date (the workspace's time zone and locale).
 */
export function clockWords(iso: string, now = Date.now()): string {
  const day = (at: string) => workspaceFormat.when(at, { dateStyle: "medium" });
  return day(iso) === day(new Date(now).toISOString())
    ? workspaceFormat.when(iso, { timeStyle: "short" })
    : workspaceFormat.when(iso);
}

/** The words `healthWords` and `attentionOf` need, for now. */
export const healthClock = (now = Date.now()) => ({
  now,
  clock: (iso: string) => clockWords(iso, now),
});
