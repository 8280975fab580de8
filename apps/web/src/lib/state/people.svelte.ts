// The workspace's members, read once (GET /v1/members) and kept: the people
// pickers offer them by name, cards say who decided, and the editor flags a
// static email of someone who is not a member. Any signed-in member may read
// the list (a viewer too).
import { endpoints, type Member } from "$lib/api";
import { personWords } from "$lib/model/people";
import { session } from "./session.svelte";

export class People {
  items = $state<Member[]>([]);
  /** True once the list arrived: before that, nobody is flagged as a non-member. */
  loaded = $state(false);
  error = $state("");
  private pending: Promise<void> | null = null;
  /** Whose members these are: another workspace (after switching) reads its own. */
  private tenantId: string | undefined;

  /** Loads the members unless this workspace's are loaded or on their way. */
  ensure(): Promise<void> {
    const tenantId = session.me?.tenant?.id;
    if (tenantId !== this.tenantId) {
      this.tenantId = tenantId;
      this.loaded = false;
      this.pending = null;
    }
    this.pending ??= this.load();
    return this.pending;
  }

  /** Reads them again (after someone was invited, or on a new workspace). */
  reload(): Promise<void> {
    this.pending = this.load();
    return this.pending;
  }

  private async load(): Promise<void> {
    try {
      this.items = (await endpoints.members()).items;
      this.loaded = true;
      this.error = "";
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.pending = null;
    }
  }

  /** A person's name (or their email when they are not a member); "an API key" for a key. */
  words(who: string): string {
    return personWords(this.items, who);
  }
}

export const people = new People();
