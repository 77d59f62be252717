import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../../../access/index.ts';
import type { AppContext } from '../../../../context.ts';
import { randomToken, sha256 } from '../../../../crypto/index.ts';
import { AppError } from '../../../../platform/errors.ts';
import { recordAudit } from '../../../audit/index.ts';
import { canCreateStaff } from '../../../auth/index.ts';
import {
  findActivePartnerByTokenHash,
  insertPartner,
  listPartners,
  revokePartner,
} from '../../intake.repository.ts';
import type { Partner } from '../../intake.service.ts';

/**
 * Partner API tokens (ADR 0048): 256-bit random bearer tokens, shown once, stored only as
 * SHA-256 (a token is as strong as a key, so a fast hash is enough: nothing to brute-force).
 * Issued and revoked by whoever may create staff accounts; both are audited.
 */
const PREFIX = 'sanctuary_pt_';

/**
 * Recently verified tokens, per database, so that a busy hotline's calls do not each cost a
 * round trip to the database before they join the group commit. An entry lives
 * `AUTH_CACHE_MS`; revoking in this process drops it at once, and a revocation made by
 * another process (or straight in the database) takes effect within that time.
 * Only tokens that verified are kept, so guessing cannot fill it.
 */
export const AUTH_CACHE_MS = 5_000;
const AUTH_CACHE_MAX = 1_000;
const authCache = new WeakMap<object, Map<string, { partner: Partner; until: number }>>();

function cacheOf(ctx: AppContext): Map<string, { partner: Partner; until: number }> {
  let cache = authCache.get(ctx.database);
  if (cache === undefined) {
    cache = new Map();
    authCache.set(ctx.database, cache);
  }
  return cache;
}

export async function issuePartnerToken(
  ctx: AppContext,
  actor: Actor,
  input: { label: string },
): Promise<{ id: string; token: string }> {
  requireAllowed(canCreateStaff(actor), 'partner.create');
  const label = input.label.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in hostile input is the point
  if (label.length < 1 || label.length > 80 || /[\u0000-\u001f\u007f]/.test(label)) {
    throw new AppError('validation_failed', 'partner label', { fields: { label: 'field.invalid' } });
  }
  const id = randomUUID();
  const token = `${PREFIX}${randomToken()}`;
  await ctx.database.db.transaction().execute(async (trx) => {
    await insertPartner(trx, { id, label, token_hash: sha256(token) });
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'intake.partner_issue',
      target: `partner:${id}`,
    });
  });
  return { id, token };
}

export interface PartnerTokenView {
  id: string;
  label: string;
  createdOn: string;
  revokedOn: string | null;
}

/** The partners and whether their token still works (never the token: only its hash is kept). */
export async function listPartnerTokens(ctx: AppContext, actor: Actor): Promise<PartnerTokenView[]> {
  requireAllowed(canCreateStaff(actor), 'partner.list');
  const rows = await listPartners(ctx.database.db);
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    createdOn: new Date(r.created_at).toISOString().slice(0, 10),
    revokedOn: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString().slice(0, 10),
  }));
}

export async function revokePartnerToken(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requireAllowed(canCreateStaff(actor), 'partner.revoke');
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await revokePartner(trx, id)) === 0) throw new AppError('not_found', 'no such partner');
    const cache = cacheOf(ctx);
    for (const [hash, entry] of cache) if (entry.partner.id === id) cache.delete(hash);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'intake.partner_revoke',
      target: `partner:${id}`,
    });
  });
}

/** The partner of a bearer header, or AppError unauthenticated (401). */
export async function authenticatePartner(
  ctx: AppContext,
  authorization: string | undefined,
): Promise<Partner> {
  const match = /^Bearer (sanctuary_pt_[A-Za-z0-9_-]{43})$/.exec(authorization ?? '');
  if (match?.[1] === undefined) throw new AppError('unauthenticated', 'missing or malformed bearer token');
  const hash = sha256(match[1]);
  const cache = cacheOf(ctx);
  const key = hash.toString('hex');
  const now = Date.now();
  const cached = cache.get(key);
  if (cached !== undefined && cached.until > now) return cached.partner;
  cache.delete(key);
  const partner = await findActivePartnerByTokenHash(ctx.database.db, hash);
  if (partner === undefined) throw new AppError('unauthenticated', 'unknown bearer token');
  if (cache.size >= AUTH_CACHE_MAX) cache.clear();
  cache.set(key, { partner, until: now + AUTH_CACHE_MS });
  return partner;
}
