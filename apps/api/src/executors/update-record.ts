import { type Fields, type MarkedResult, recordInputProblems } from "../services/records.ts";
import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { type Executor, permanentFailure } from "./types.ts";

interface UpdateRecordConfig {
  type: string;
  id: string;
  /** A map, or a template that rendered to text (JSON of a map, we hope). */
  fields: Fields | string;
}

/**
 * `update_record`: merges fields into a record of the tenant's store. The
 * write and its effect marker commit in one transaction of the store, so a
 * redelivered or retried attempt returns the first attempt's result and
 * writes nothing.
 * The change's event is returned, not emitted: the run emits it with its
 * causation and an id derived from run and step.
 */
export const updateRecordExecutor: Executor = {
  action: "update_record",
  async execute(config, ctx) {
    const parsed = parseConfig<UpdateRecordConfig>("update_record", config);
    if (!parsed.ok) return parsed.outcome;
    const { type, id } = parsed.value;
    const fields = fieldsOf(parsed.value.fields);
    if (fields === null) {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        "config.fields: expected a map of field → value (or a template that renders one)",
      );
    }
    const problems = recordInputProblems(type, id, fields);
    if (problems.length > 0) {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        problems.map((p) => `config.${p.path}: ${p.message}`).join("; "),
      );
    }
    // RPC typing cannot express `unknown` fields; the store answers a MarkedResult.
    const result = (await ctx.store.updateRecord(
      ctx.tenantId,
      { type, id, fields, at: ctx.now },
      ctx.idempotencyKey,
    )) as unknown as MarkedResult;
    return { status: "succeeded", output: result.output, events: result.events };
  },
};

/** A rendered `fields`: a map, or JSON text of one. */
function fieldsOf(value: Fields | string): Fields | null {
  let v: unknown = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Fields) : null;
}
