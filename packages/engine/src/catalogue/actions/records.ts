// Actions on the tenant's own data: records and tasks.
import { z } from "zod";
import { defineAction, durationText, jsonValue, person, text } from "../define-action.ts";

export const updateRecord = defineAction({
  name: "update_record",
  title: "Update a record",
  description:
    "Creates or updates a record, merging the given fields. A change emits <type>.updated (or <type>.created).",
  config: z.strictObject({
    type: text("Record type, e.g. order"),
    id: text("Record id"),
    fields: z
      .union(
        [
          z.record(z.string(), jsonValue),
          z.string().describe("A {{ template }} that renders a map"),
        ],
        { message: "expected a map of field names to values, or a {{ template }}" },
      )
      .describe("Fields to set: field name → value"),
  }),
  output: z.object({
    type: z.string(),
    id: z.string(),
    version: z.number().int(),
    changed: z.array(z.string()).describe("Names of the fields whose value changed"),
  }),
  sampleOutput: { type: "order", id: "ord_sample", version: 2, changed: ["status"] },
});

export const createTask = defineAction({
  name: "create_task",
  title: "Create a task",
  description: "Creates a task assigned to a member of the tenant.",
  config: z.strictObject({
    title: text("Task title"),
    assignee: person("The assignee's email"),
    description: text("Details").optional(),
    due: durationText("Due after this long, e.g. 2d is written 48h").optional(),
  }),
  output: z.object({ taskId: z.string() }),
  sampleOutput: { taskId: "tsk_sample" },
});
