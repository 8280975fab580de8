// Settings → Secrets: the list (names, who changed each last, what uses it),
// adding one, replacing a value and deleting. A value goes to the server
// once and is dropped from the page the moment it is saved.
import { ApiFailure, messageOf } from "$lib/api";
import { credentialEndpoints, type SecretInfo } from "$lib/api-credentials";
import { secretNameProblem } from "$lib/model/secret-words";
import { credentials } from "./credentials.svelte";
import { deleteInUse } from "./delete-in-use";

export class SecretsPage {
  items = $state<SecretInfo[]>([]);
  loading = $state(true);
  error = $state("");
  notice = $state("");
  busy = $state(false);
  /** The add form. */
  name = $state("");
  value = $state("");
  /** The name whose value is being replaced, and the new value. */
  replacing = $state<string | null>(null);
  replacement = $state("");

  readonly nameProblem = $derived(
    this.name.trim() === ""
      ? ""
      : secretNameProblem(
          this.name,
          this.items.map((s) => s.name),
        ),
  );

  async load(): Promise<void> {
    try {
      this.items = (await credentialEndpoints.secrets()).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async add(): Promise<boolean> {
    this.error = "";
    this.notice = "";
    const name = this.name.trim();
    const problem = secretNameProblem(
      name,
      this.items.map((s) => s.name),
    );
    if (problem) {
      this.error = problem;
      return false;
    }
    if (this.value === "") {
      this.error = "Type or paste the value to keep.";
      return false;
    }
    return this.put(name, this.value, () => {
      this.name = "";
      this.value = "";
      this.notice = `Saved the secret ${name}. Its value is stored encrypted and is never shown again. Use it in a step's setting as {{ secrets.${name} }} — or pick it under “Insert data” → Secrets.`;
    });
  }

  startReplace(name: string): void {
    this.replacing = name;
    this.replacement = "";
    this.error = "";
    this.notice = "";
  }

  async replace(): Promise<boolean> {
    const name = this.replacing;
    if (!name) return false;
    this.error = "";
    if (this.replacement === "") {
      this.error = "Type or paste the new value.";
      return false;
    }
    return this.put(name, this.replacement, () => {
      this.replacing = null;
      this.replacement = "";
      this.notice = `Replaced the value of ${name}. Steps use the new value from their next call; published workflows need no new version.`;
    });
  }

  /**
   * Deletes a secret; when workflows use it, `confirm` is asked the question
   * naming them first and the delete is forced only if it says yes.
   */
  async remove(secret: SecretInfo, confirm: (question: string) => boolean): Promise<void> {
    this.error = "";
    this.notice = "";
    this.busy = true;
    try {
      const deleted = await deleteInUse({
        what: "secret",
        name: secret.name,
        usedBy: secret.usedBy,
        lost: "value",
        confirm,
        remove: (force) => credentialEndpoints.deleteSecret(secret.name, force),
        usersNow: async () =>
          (await credentialEndpoints.secrets()).items.find((s) => s.name === secret.name)?.usedBy ??
          null,
      });
      if (!deleted) return;
      this.notice = `Deleted the secret ${secret.name}.`;
      await this.load();
      void credentials.refresh();
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  private async put(name: string, value: string, done: () => void): Promise<boolean> {
    this.busy = true;
    try {
      await credentialEndpoints.putSecret(name, value);
      done();
      await this.load();
      void credentials.refresh();
      return true;
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => d.message).join("; ")
          : messageOf(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
