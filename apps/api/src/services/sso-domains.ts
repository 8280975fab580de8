// A tenant's email domains for single sign-on. A domain routes sign-ins
// (and links existing accounts) only once a DNS TXT record, looked up by
// DNS-over-HTTPS, proves the tenant controls it: a tenant must never be
// able to claim another company's people. One domain, one tenant; an
// unverified claim gives way to another tenant after PENDING_CLAIM_HOURS,
// so nobody can hold a company's domain hostage by adding it first.
import { and, eq } from "drizzle-orm";
import { actorOf, type Principal } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { ssoDomains } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { randomBytes, toBase64Url } from "../lib/crypto.ts";
import { DohError, lookupTxt } from "../lib/doh.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getDomain, listDomains, type SsoDomainRow } from "../repositories/sso.ts";
import { auditKeyOf } from "./context.ts";

/** The TXT record that proves a domain: `_switchyard-verify.<domain>`. */
export const TXT_PREFIX = "_switchyard-verify.";
const TXT_VALUE_PREFIX = "switchyard-verify=";
/** Another tenant's unverified claim on a domain gives way after this long. */
export const PENDING_CLAIM_HOURS = 48;
const MAX_DOMAINS = 50;

export interface SsoDomainView {
  domain: string;
  status: "pending" | "verified";
  verifiedAt: string | null;
  createdAt: string;
  /** The record to add at the domain's DNS host. */
  txt: { name: string; type: "TXT"; value: string };
}

export function domainView(row: SsoDomainRow): SsoDomainView {
  return {
    domain: row.domain,
    status: row.verifiedAt ? "verified" : "pending",
    verifiedAt: row.verifiedAt,
    createdAt: row.createdAt,
    txt: {
      name: `${TXT_PREFIX}${row.domain}`,
      type: "TXT",
      value: `${TXT_VALUE_PREFIX}${row.verificationToken}`,
    },
  };
}

const invalid = (path: string, message: string) =>
  new ApiError(422, ErrorCode.validationFailed, message, [{ path, message }]);

/**
 * A domain as typed (`Acme.example.`, `@acme.example`) in the form it is
 * stored, or null when it is not a domain name with at least two labels.
 */
export function normalizeDomain(input: string): string | null {
  const d = input.trim().toLowerCase().replace(/^@/, "").replace(/\.$/, "");
  if (d.length > 253 || !d.includes(".")) return null;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = d.split(".");
  if (!labels.every((l) => label.test(l))) return null;
  // The last label is a top-level domain: letters (or punycode), never all digits.
  return /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(labels.at(-1)!) ? d : null;
}

/** Adds a domain to verify; answers whether it is new. */
export async function addDomain(
  env: Env,
  db: Db,
  caller: Principal,
  input: string,
): Promise<{ view: SsoDomainView; created: boolean }> {
  const tenantId = caller.tenantId;
  const domain = normalizeDomain(input);
  if (!domain) throw invalid("domain", "Enter an email domain, e.g. acme.example");
  const held = await getDomain(db, domain);
  if (held?.tenantId === tenantId) return { view: domainView(held), created: false };
  const at = nowIso();
  if (held) {
    const givesWay =
      !held.verifiedAt &&
      Date.parse(held.createdAt) + PENDING_CLAIM_HOURS * 3_600_000 <= Date.parse(at);
    if (!givesWay) {
      throw new ApiError(
        409,
        ErrorCode.conflict,
        held.verifiedAt
          ? `${domain} is verified by another workspace. If it is your company's, contact support.`
          : `Another workspace is verifying ${domain}. If it is your company's, try again after ${new Date(Date.parse(held.createdAt) + PENDING_CLAIM_HOURS * 3_600_000).toISOString()} or contact support.`,
      );
    }
  }
  if ((await listDomains(db, tenantId)).length >= MAX_DOMAINS) {
    throw invalid("domain", `A workspace has at most ${MAX_DOMAINS} domains`);
  }
  const row: SsoDomainRow = {
    domain,
    tenantId,
    verificationToken: toBase64Url(randomBytes(18)),
    verifiedAt: null,
    createdAt: at,
  };
  await commitWithAudit(
    db,
    auditKeyOf(env),
    tenantId,
    at,
    () => [
      // An abandoned claim of another tenant's gives way (checked above).
      ...(held ? [db.delete(ssoDomains).where(eq(ssoDomains.domain, domain))] : []),
      db.insert(ssoDomains).values(row),
    ],
    [
      {
        type: AuditType.ssoDomainAdded,
        actor: actorOf(caller),
        subject: domain,
      },
    ],
  );
  return { view: domainView(row), created: true };
}

async function ownDomain(db: Db, tenantId: string, input: string): Promise<SsoDomainRow> {
  const domain = normalizeDomain(input);
  const row = domain ? await getDomain(db, domain) : undefined;
  if (!row || row.tenantId !== tenantId) throw notFound("Domain");
  return row;
}

/** Looks the domain's TXT record up; verified when it holds this domain's token. */
export async function verifyDomain(
  env: Env,
  db: Db,
  caller: Principal,
  input: string,
): Promise<SsoDomainView> {
  const row = await ownDomain(db, caller.tenantId, input);
  if (row.verifiedAt) return domainView(row);
  const view = domainView(row);
  let found: string[];
  try {
    found = await lookupTxt(view.txt.name, env.SWITCHYARD_DOH_URL);
  } catch (err) {
    if (err instanceof DohError) {
      throw new ApiError(
        422,
        ErrorCode.validationFailed,
        `Could not look up ${view.txt.name}: ${err.message}. Try again in a minute.`,
      );
    }
    throw err;
  }
  if (!found.includes(view.txt.value)) {
    const what =
      found.length === 0
        ? `found no TXT record at ${view.txt.name}`
        : `found ${found.map((f) => `"${f.slice(0, 100)}"`).join(", ")} at ${view.txt.name}, not "${view.txt.value}"`;
    throw new ApiError(
      422,
      ErrorCode.validationFailed,
      `Not verified yet: DNS ${what}. DNS changes can take a while to show; try again later.`,
      [{ path: "domain", message: what }],
    );
  }
  const at = nowIso();
  await commitWithAudit(
    db,
    auditKeyOf(env),
    caller.tenantId,
    at,
    () => [
      db
        .update(ssoDomains)
        .set({ verifiedAt: at })
        .where(and(eq(ssoDomains.domain, row.domain), eq(ssoDomains.tenantId, caller.tenantId))),
    ],
    [{ type: AuditType.ssoDomainVerified, actor: actorOf(caller), subject: row.domain }],
  );
  return domainView({ ...row, verifiedAt: at });
}

export async function removeDomain(
  env: Env,
  db: Db,
  caller: Principal,
  input: string,
): Promise<void> {
  const row = await ownDomain(db, caller.tenantId, input);
  await commitWithAudit(
    db,
    auditKeyOf(env),
    caller.tenantId,
    nowIso(),
    () => [
      db
        .delete(ssoDomains)
        .where(and(eq(ssoDomains.domain, row.domain), eq(ssoDomains.tenantId, caller.tenantId))),
    ],
    [
      {
        type: AuditType.ssoDomainRemoved,
        actor: actorOf(caller),
        subject: row.domain,
        details: { wasVerified: row.verifiedAt !== null },
      },
    ],
  );
}
