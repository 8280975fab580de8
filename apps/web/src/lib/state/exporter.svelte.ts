// Export (issue 17, item 4): a workflow, or every workflow of the workspace,
// saved as the file the API names (Content-Disposition). One instance per
// page; `busy` names what is being exported, `error` what went wrong.
import { messageOf } from "$lib/api";
import { saveFile, travelEndpoints } from "$lib/api-travel";

export class Exporter {
  /** The workflow id being exported, "all", or "" when idle. */
  busy = $state("");
  error = $state("");
  /** The last file saved, said in words. */
  notice = $state("");

  /** Saves one workflow's file (its versions too with `versions`). */
  async one(id: string, name: string, versions = false): Promise<void> {
    await this.run(id, async () => {
      const file = await travelEndpoints.exportWorkflow(id, versions);
      saveFile(file);
      this.notice = `Exported “${name}” as ${file.filename}.`;
    });
  }

  /** Saves every workflow of the workspace in one file. */
  async all(): Promise<void> {
    await this.run("all", async () => {
      const file = await travelEndpoints.exportAll();
      saveFile(file);
      this.notice = `Exported every workflow as ${file.filename}.`;
    });
  }

  private async run(what: string, work: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = what;
    this.error = "";
    this.notice = "";
    try {
      await work();
    } catch (err) {
      this.error = `Could not export: ${messageOf(err)}`;
    } finally {
      this.busy = "";
    }
  }
}
