// How the workspace writes numbers and dates (Settings → Workspace: its
// locale and time zone), read once per workspace (the layout asks when a
// session starts); until then the browser's own stand in.
import { endpoints } from "$lib/api";
import { formatNumber } from "$lib/model/numbers";
import { useInstantFormat } from "$lib/model/run-words";
import { session } from "./session.svelte";

const browserZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
};

class WorkspaceFormat {
  locale = $state(typeof navigator === "undefined" ? "en" : navigator.language || "en");
  timezone = $state(browserZone());
  /** The workspace these are for; another one (a switch) reads them again. */
  #for = "";
  #loading: Promise<void> | null = null;

  load(): Promise<void> {
    const tenant = session.me?.tenant.id ?? "";
    if (tenant !== this.#for) this.#loading = null;
    this.#for = tenant;
    if (this.#loading) return this.#loading;
    const loading = endpoints.tenantSettings().then(
      (s) => {
        this.locale = s.locale;
        this.timezone = s.timezone;
      },
      () => {
        // Not readable now: the browser's stand in; the next screen tries again.
        this.#loading = null;
      },
    );
    this.#loading = loading;
    return loading;
  }

  /**
   * An instant in the workspace's locale and time zone: "5 Dec 2026, 17:40".
   * @example workspaceFormat.when("2026-12-05T16:40:00Z")
   */
  when(
    iso: string | null | undefined,
    style: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" },
  ): string {
    if (!iso) return "";
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return iso;
    try {
      return new Intl.DateTimeFormat(this.locale, { ...style, timeZone: this.timezone }).format(at);
    } catch {
      return at.toLocaleString();
    }
  }

  /** A number the workspace's way: "5,000" or "5.000". */
  number(n: number): string {
    return formatNumber(n, this.locale);
  }
}

export const workspaceFormat = new WorkspaceFormat();

// Every page that writes an instant with run-words' `when` writes it so.
useInstantFormat((iso) => workspaceFormat.when(iso));
