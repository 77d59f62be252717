import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../../../context.ts';
import { randomToken, sha256 } from '../../../../crypto/index.ts';
import { AppError } from '../../../../platform/errors.ts';
import { recordAudit } from '../../../audit/audit.service.ts';
import { type Actor, actorLabel, canCreateStaff, requireAllowed } from '../../../auth/auth.policy.ts';
import { findActivePartnerByTokenHash, insertPartner, revokePartner } from '../../intake.repository.ts';
import type { Partner } from '../../intake.service.ts';

/**
 * Partner API tokens (ADR 0048): 256-bit random bearer tokens, shown once, stored only as
 * SHA-256 (a token is as strong as a key, so a fast hash is enough: nothing to brute-force).
 * Issued and revoked by whoever may create staff accounts; both are audited.
 */
const PREFIX = 'sanctuary_pt_';

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

export async function revokePartnerToken(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requireAllowed(canCreateStaff(actor), 'partner.revoke');
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await revokePartner(trx, id)) === 0) throw new AppError('not_found', 'no such partner');
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
  const partner = await findActivePartnerByTokenHash(ctx.database.db, sha256(match[1]));
  if (partner === undefined) throw new AppError('unauthenticated', 'unknown bearer token');
  return partner;
}
