// Settings → Connections: the list with each one's health and the workflows
// that use it, the add/edit form (credentials write-only: editing leaves a
// credential empty to keep it), and deleting with the in-use question.
import { ApiFailure, messageOf } from "$lib/api";
import { type ConnectionInfo, credentialEndpoints } from "$lib/api-credentials";
import {
  type ConnectionForm,
  connectionInput,
  connectionPatch,
  emptyForm,
  formOf,
  formProblems,
} from "$lib/model/connection-form";
import { credentials } from "./credentials.svelte";
import { deleteInUse } from "./delete-in-use";

export class ConnectionsPage {
  items = $state<ConnectionInfo[]>([]);
  loading = $state(true);
  error = $state("");
  notice = $state("");
  busy = $state(false);
  /** The form, while it is open. */
  form = $state<ConnectionForm | null>(null);
  /** The connection being edited (its name as saved); null for a new one. */
  editing = $state<string | null>(null);
  /** Problems of the form, shown once someone tried to save. */
  problems = $state<string[]>([]);

  async load(): Promise<void> {
    try {
      this.items = (await credentialEndpoints.connections()).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  startNew(): void {
    this.form = emptyForm();
    this.editing = null;
    this.problems = [];
    this.notice = "";
    this.error = "";
  }

  startEdit(c: ConnectionInfo): void {
    this.form = formOf(c);
    this.editing = c.name;
    this.problems = [];
    this.notice = "";
    this.error = "";
  }

  close(): void {
    this.form = null;
    this.editing = null;
    this.problems = [];
  }

  async save(): Promise<boolean> {
    const form = this.form;
    if (!form) return false;
    const editing = this.editing;
    this.error = "";
    this.notice = "";
    const before = this.items.find((c) => c.name === editing);
    // A connection whose credentials are not stored needs them typed, as a new one does.
    const keeps = editing !== null && (before?.credentialsSet ?? false);
    this.problems = formProblems(form, keeps, before?.auth.type);
    if (this.problems.length) return false;
    this.busy = true;
    try {
      const saved =
        editing === null
          ? await credentialEndpoints.createConnection(connectionInput(form))
          : await credentialEndpoints.saveConnection(editing, connectionPatch(form));
      this.notice =
        editing === null
          ? `Added the connection ${saved.name}. Steps choose it by name; its credentials are stored encrypted and never shown again.`
          : `Saved the connection ${saved.name}. Every workflow that uses it calls it this way from its next step — no new version needed.`;
      this.close();
      await this.load();
      void credentials.refresh();
      return true;
    } catch (err) {
      this.problems =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => d.message)
          : [messageOf(err)];
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Deletes a connection; when workflows use it, `confirm` is asked the question naming them. */
  async remove(c: ConnectionInfo, confirm: (question: string) => boolean): Promise<void> {
    this.error = "";
    this.notice = "";
    this.busy = true;
    try {
      const deleted = await deleteInUse({
        what: "connection",
        name: c.name,
        usedBy: c.usedBy,
        lost: "credentials",
        confirm,
        remove: (force) => credentialEndpoints.deleteConnection(c.name, force),
        usersNow: async () =>
          (await credentialEndpoints.connections()).items.find((x) => x.name === c.name)?.usedBy ??
          null,
      });
      if (!deleted) return;
      if (this.editing === c.name) this.close();
      this.notice = `Deleted the connection ${c.name}.`;
      await this.load();
      void credentials.refresh();
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }
}
