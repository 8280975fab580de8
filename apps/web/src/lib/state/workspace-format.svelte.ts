// How the workspace writes numbers and dates (Settings → Workspace: its
// locale and time zone), read once per workspace by the screens that need it.
import { endpoints } from "$lib/api";
import { session } from "./session.svelte";

class WorkspaceFormat {
  locale = $state("en");
  timezone = $state("UTC");
  /** The workspace these are for; another one (a switch) reads them again. */
  #for = "";
  #loading: Promise<void> | null = null;

  load(): Promise<void> {
    const tenant = session.me?.tenant.id ?? "";
    if (tenant !== this.#for) this.#loading = null;
    this.#for = tenant;
    this.#loading ??= endpoints.tenantSettings().then(
      (s) => {
        this.locale = s.locale;
        this.timezone = s.timezone;
      },
      () => {
        // Not readable now: English and UTC stand in; the next screen tries again.
        this.#loading = null;
      },
    );
    return this.#loading;
  }
}

export const workspaceFormat = new WorkspaceFormat();
