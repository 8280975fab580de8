// The key field of an event, shown beside its runs and in the events list
// (issue 14): "payment pay_9004", "order 1042". Derived from the event when
// it is listed (never stored), by one rule a person can predict:
//   1. the `id` of the event's main object: `data.<first segment of the type>.id`
//      (`payment.failed` with `{ payment: { id: "pay_9004" } }` → "payment pay_9004");
//   2. else the data's own `id` (record events carry the record's id:
//      `order.created` with `{ id: "1042", … }` → "order 1042");
//   3. else the first top-level object that has an `id`
//      (`{ invoice: { id: "in_7" } }` → "invoice in_7");
//   4. else none.
// Only a string or a finite number counts as an id; it is cut to 80 characters.

const MAX_KEY = 80;

function idOf(v: unknown): string | null {
  if (typeof v === "string" && v !== "") return v.slice(0, MAX_KEY);
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * @example eventKey("payment.failed", { payment: { id: "pay_9004" } }) // "payment pay_9004"
 * @example eventKey("order.created", { id: "1042", amount: 5 }) // "order 1042"
 */
export function eventKey(type: string, data: unknown): string | null {
  if (!isObject(data)) return null;
  const name = type.split(".")[0] ?? type;
  const main = data[name];
  const mainId = isObject(main) ? idOf(main.id) : null;
  if (mainId) return `${name} ${mainId}`;
  const ownId = idOf(data.id);
  if (ownId) return `${name} ${ownId}`;
  for (const [field, value] of Object.entries(data)) {
    const id = isObject(value) ? idOf(value.id) : null;
    if (id) return `${field} ${id}`;
  }
  return null;
}
