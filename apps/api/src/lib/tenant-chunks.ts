/** D1 binds at most 100 parameters per statement; leave room for the others. */
const CHUNK = 90;

/**
 * Ids grouped per tenant, in chunks small enough for one `tenant_id = ? AND
 * id IN (…)` statement each.
 * @example for (const { tenantId, ids } of idsByTenant(rows)) …
 */
export function idsByTenant(
  rows: readonly { tenantId: string; id: string }[],
): { tenantId: string; ids: string[] }[] {
  const map = new Map<string, string[]>();
  for (const r of rows) {
    const ids = map.get(r.tenantId);
    if (ids) ids.push(r.id);
    else map.set(r.tenantId, [r.id]);
  }
  const out: { tenantId: string; ids: string[] }[] = [];
  for (const [tenantId, ids] of map)
    for (let i = 0; i < ids.length; i += CHUNK)
      out.push({ tenantId, ids: ids.slice(i, i + CHUNK) });
  return out;
}
