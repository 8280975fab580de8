// The inbox page: approvals to decide and tasks to do.
import { type Approval, endpoints, messageOf, type Task } from "$lib/api";
import { inbox } from "./inbox.svelte";

export class InboxPage {
  approvals = $state<Approval[]>([]);
  decided = $state<Approval[]>([]);
  tasks = $state<Task[]>([]);
  /** Only mine, or everyone's (admins decide any approval). */
  mine = $state(true);
  taskStatus = $state<"open" | "done">("open");
  loading = $state(true);
  error = $state("");
  taskError = $state("");

  async load(email?: string): Promise<void> {
    this.error = "";
    try {
      const mine = this.mine ? "&mine=true" : "";
      const [pending, tasks] = await Promise.all([
        endpoints.approvals(`status=pending&limit=100${mine}`),
        endpoints.tasks(
          `status=${this.taskStatus}&limit=100${this.mine && email ? `&assignee=${encodeURIComponent(email)}` : ""}`,
        ),
      ]);
      this.approvals = pending.items;
      this.tasks = tasks.items;
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  settle(a: Approval): void {
    this.decided = [a, ...this.decided.filter((d) => d.id !== a.id)];
  }

  async setTask(task: Task, status: "open" | "done"): Promise<void> {
    this.taskError = "";
    try {
      const updated = await endpoints.updateTask(task.id, status);
      this.tasks = this.tasks.map((t) => (t.id === task.id ? updated : t));
      inbox.refresh();
    } catch (err) {
      this.taskError = messageOf(err);
    }
  }
}
