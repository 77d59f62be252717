import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  BusyError,
  checkFormToken,
  codenameFromToken,
  constantTimeEqual,
  contactCodeLookup,
  decryptFieldText,
  deriveCodenameCredentials,
  encryptField,
  issueFormToken,
  issuePowChallenge,
  keyedDigest,
  newContactCode,
  normaliseContactCode,
  verifyPowSolution,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { admitShared } from '../../platform/rate-limit.ts';
import { recordAudit, recordAuditBatch } from '../audit/index.ts';
import {
  BREAK_GLASS_FIRST_HOURS,
  canRequestRestrictedBreakGlass,
  caseRefSchema,
  findCaseById,
  findCaseByRef,
  findRestrictedTeamsOf,
  insertBreakGlassGrant,
  registerAct,
  requestAct,
  requireAllowed,
  sealGrantText,
  staffOnly,
} from '../case-access/index.ts';
import { insertNewCases, markCaseRestricted, newCaseRef, sealNewCase, subjectOf } from '../cases/index.ts';
import { intakeRuntimeOf, MESSAGE_MAX, storeApplicantCodename, textField } from '../intake/index.ts';
import {
  destroySubjectKey,
  insertSubjectKeys,
  withNewSubjectKey,
  withSubjectKeys,
  wrapNewSubjectKey,
} from '../keys/index.ts';
import { canIssueContactCodes } from './high-assurance.policy.ts';
import {
  type CodeRow,
  consumeCode,
  deleteCodesOfCase,
  findCodeById,
  findCodeByLookup,
  insertContactCode,
  listCodesOfTeams,
  revokeCode,
} from './high-assurance.repository.ts';

/**
 * The high-assurance path (issue 20 item 6, ADRs 0158–0160): contact codes issued by a
 * restricted team's coordinators, a contact page where a code opens one conversation once,
 * and break-glass into such a case only for an administrator with a second person's approval.
 */

/** How long a code is valid unless the issuer says otherwise, and at most. */
export const CODE_DEFAULT_DAYS = 30;
export const CODE_MAX_DAYS = 90;
/** How long the contact form stays valid (its signed challenge). */
const FORM_TTL_SECONDS = 3_600;

const codeSubject = (id: string) => `ha-code:${id}`;
const labelBinding = (id: string) => ({ table: 'ha_contact_codes', column: 'label', rowId: id });

async function restrictedTeamsOf(db: Db, actor: Actor) {
  return actor.kind === 'staff' ? findRestrictedTeamsOf(db, actor.id) : [];
}

// ---------------------------------------------------------------------------------------------
// Issuing, listing, revoking

const issueSchema = z.object({
  teamId: z.uuid(),
  label: textField(100).default(''),
  days: z.coerce.number().int().min(1).max(CODE_MAX_DAYS).default(CODE_DEFAULT_DAYS),
});

/**
 * Issues a contact code for one of the actor's restricted teams: 100 random bits, shown once
 * (returned here, never stored); the database keeps only its keyed hash, and the optional
 * label encrypted under the code's own data key. Audited without the label.
 */
export async function issueContactCode(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  now = new Date(),
): Promise<{ id: string; code: string; expiresAt: Date }> {
  const db = ctx.database.db;
  const teams = await restrictedTeamsOf(db, actor);
  requireAllowed(
    canIssueContactCodes(
      actor,
      teams.map((t) => t.id),
    ),
    'contact codes',
  );
  const staff = staffOnly(actor);
  const parsed = issueSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const f = String(issue.path[0]);
      fields[f] =
        f === 'label' ? 'staff.field.label' : f === 'days' ? 'staff.field.days' : 'staff.field.team';
    }
    throw new AppError('validation_failed', 'invalid contact code form', { fields });
  }
  const { teamId, label, days } = parsed.data;
  // Another team's codes do not exist for this actor (a restricted team is need-to-know).
  if (!teams.some((t) => t.id === teamId))
    throw new AppError('not_found', 'not a restricted team of the actor');
  const keyring = ctx.vault.requireKeyring();
  const code = newContactCode();
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  await db.transaction().execute(async (trx) => {
    const labelEnc =
      label === ''
        ? null
        : await withNewSubjectKey(ctx, trx, codeSubject(id), (key) =>
            encryptField(key, label, labelBinding(id)),
          );
    await insertContactCode(trx, {
      id,
      lookup: contactCodeLookup(keyring, normaliseContactCode(code)!),
      team_id: teamId,
      label_enc: labelEnc,
      issued_by: staff.id,
      expires_at: expiresAt,
    });
    await recordAudit(trx, { actor: staff.id, action: 'ha.code_issue', target: `ha-code:${id}` });
  });
  return { id, code, expiresAt };
}

export type CodeState = 'active' | 'used' | 'expired' | 'revoked';

export interface CodeView {
  id: string;
  teamName: string;
  label: string;
  issuedAt: Date;
  expiresAt: Date;
  state: CodeState;
  usedOn: string | null;
  caseRef: string | null;
}

function stateOf(row: CodeRow, now: Date): CodeState {
  if (row.used_on !== null) return 'used';
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at.getTime() <= now.getTime() ? 'expired' : 'active';
}

/** The codes of the actor's restricted teams (never the codes themselves), labels opened. */
export async function listContactCodes(
  ctx: AppContext,
  actor: Actor,
  now = new Date(),
): Promise<{ teams: Array<{ id: string; name: string }>; codes: CodeView[] }> {
  const db = ctx.database.db;
  const teams = await restrictedTeamsOf(db, actor);
  if (teams.length === 0) return { teams, codes: [] };
  const rows = await listCodesOfTeams(
    db,
    teams.map((t) => t.id),
  );
  const withLabel = rows.filter((r) => r.label_enc !== null);
  const labels = await withSubjectKeys(
    ctx,
    withLabel.map((r) => codeSubject(r.id)),
    (keys) => {
      const out = new Map<string, string>();
      for (const r of withLabel) {
        const key = keys.get(codeSubject(r.id));
        if (key !== undefined)
          out.set(r.id, decryptFieldText(key, toBuffer(r.label_enc!), labelBinding(r.id)));
      }
      return out;
    },
  );
  const names = new Map(teams.map((t) => [t.id, t.name]));
  const refs = new Map<string, string>();
  for (const r of rows) {
    if (r.case_id !== null) {
      const c = await findCaseById(db, r.case_id);
      if (c !== undefined) refs.set(r.id, c.ref);
    }
  }
  return {
    teams,
    codes: rows.map((r) => ({
      id: r.id,
      teamName: names.get(r.team_id) ?? '?',
      label: labels.get(r.id) ?? '',
      issuedAt: r.issued_at,
      expiresAt: r.expires_at,
      state: stateOf(r, now),
      usedOn: r.used_on,
      caseRef: refs.get(r.id) ?? null,
    })),
  };
}

/** Revokes an unused code of one of the actor's restricted teams; its label is shredded. */
export async function revokeContactCode(ctx: AppContext, actor: Actor, codeId: unknown): Promise<void> {
  const db = ctx.database.db;
  const teams = await restrictedTeamsOf(db, actor);
  requireAllowed(
    canIssueContactCodes(
      actor,
      teams.map((t) => t.id),
    ),
    'contact codes',
  );
  const id = z.uuid().safeParse(codeId);
  if (!id.success) throw new AppError('not_found', 'malformed code id');
  await db.transaction().execute(async (trx) => {
    const row = await findCodeById(trx, id.data);
    // Another team's code does not exist for this actor.
    if (row === undefined || !teams.some((t) => t.id === row.team_id)) {
      throw new AppError('not_found', 'no such code');
    }
    if (!(await revokeCode(trx, row.id, new Date()))) throw new AppError('conflict', 'code not revocable');
    await destroySubjectKey(trx, codeSubject(row.id));
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'ha.code_revoke',
      target: `ha-code:${row.id}`,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The contact page: a code opens one conversation, once

/** A fresh contact form: a signed challenge (its clock) and a server-issued token bound to it. */
export function newContactForm(ctx: AppContext): { challenge: string; formToken: string } {
  const keyring = ctx.vault.requireKeyring();
  // Difficulty 1: the challenge serves as a signed expiry here, not as proof of work (ADR 0158).
  const { challenge } = issuePowChallenge(keyring, { difficulty: 1, ttlSeconds: FORM_TTL_SECONDS });
  return { challenge, formToken: issueFormToken(keyring, challenge) };
}

const contactSchema = z.object({
  code: z.string().max(64, 'too_long'),
  message: textField(MESSAGE_MAX).default(''),
  challenge: z.string().max(200),
  form_token: z.string().max(100),
});

/** Every code that cannot open a conversation gets this one answer: used, expired, revoked, wrong. */
function neutral(): AppError {
  return new AppError('validation_failed', 'contact code refused', {
    fields: { code: 'code.error.neutral' },
  });
}

/**
 * Opens a conversation with a contact code. Admission first (intake's sign-in limits, per
 * client and for everyone: a busy answer is 503 with Retry-After), then the form's signature,
 * then the code. The code is used atomically, in the transaction that creates the case, its
 * restriction to the code's team and the applicant's codename: of two concurrent uses exactly
 * one wins. The same form sent again with the same code and message (a retry) is answered
 * with the same codename and stores nothing; anything else with a used code gets the neutral
 * answer, like an unknown, expired or revoked code.
 */
export async function openConversation(
  ctx: AppContext,
  input: unknown,
  clientKey: string,
  now = Date.now(),
): Promise<{ codename: string; replay: boolean }> {
  const keyring = ctx.vault.requireKeyring();
  const rt = intakeRuntimeOf(ctx);
  const refusedBy = await admitShared([
    [rt.limits.signInClient, clientKey],
    [rt.limits.signInGlobal, 'all'],
  ]);
  if (refusedBy !== undefined) {
    throw new AppError('overloaded', 'contact code attempts over their limit', {
      retryAfter: refusedBy.retryAfter(),
    });
  }
  const parsed = contactSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const f = String(issue.path[0]);
      if (f === 'message') fields.message = 'field.too_long';
      else if (f === 'code') fields.code = 'code.error.neutral';
      else fields.form = 'form.expired';
    }
    throw new AppError('validation_failed', 'invalid contact form', { fields });
  }
  const form = parsed.data;
  const verdict = verifyPowSolution(keyring, form.challenge, '0', now);
  const signed = verdict.ok || verdict.reason === 'wrong';
  if (!signed || !checkFormToken(keyring, form.challenge, form.form_token)) {
    throw new AppError('validation_failed', 'contact form expired', { fields: { form: 'form.expired' } });
  }
  const normalised = normaliseContactCode(form.code);
  if (normalised === undefined) throw neutral();
  const lookup = contactCodeLookup(keyring, normalised);
  const reqHash = keyedDigest(
    keyring,
    'ha-request',
    JSON.stringify([form.form_token, normalised, form.message]),
  );
  const codename = codenameFromToken(keyring, `ha|${form.form_token}`);
  const sameRequest = (stored: Uint8Array | null) =>
    stored !== null && constantTimeEqual(toBuffer(stored), reqHash);

  const found = await findCodeByLookup(ctx.database.db, lookup);
  if (found === undefined) throw neutral();
  if (found.used_on !== null) {
    if (sameRequest(found.request_hash)) return { codename, replay: true };
    throw neutral();
  }
  if (found.revoked_at !== null || found.expires_at.getTime() <= now) throw neutral();

  let credentials: Awaited<ReturnType<typeof deriveCodenameCredentials>>;
  try {
    credentials = await deriveCodenameCredentials(keyring, codename);
  } catch (error) {
    if (error instanceof BusyError)
      throw new AppError('overloaded', 'codename derivation busy', { retryAfter: 30 });
    throw error;
  }
  try {
    const caseId = randomUUID();
    const ref = newCaseRef();
    const { key, row: dataKey } = wrapNewSubjectKey(ctx.vault, subjectOf(caseId));
    let sealed: ReturnType<typeof sealNewCase>;
    try {
      sealed = sealNewCase(key, {
        id: caseId,
        ref,
        urgency: 1,
        applicantType: 'unknown',
        country: null,
        person: JSON.stringify({ documents: [], family: [] }),
        story: form.message,
        answers: { channel: 'high_assurance' },
      });
    } finally {
      key.dispose();
    }
    const caseEnc = credentials.sealCaseId(caseId);
    return await ctx.database.db.transaction().execute(async (trx) => {
      const used = await consumeCode(trx, lookup, { caseId, requestHash: reqHash, now: new Date(now) });
      if (used === undefined) {
        // Lost the race (or the code changed since the look-up): the winner may be this very
        // request sent twice at once, answered as its retry.
        const again = await findCodeByLookup(trx, lookup);
        if (again !== undefined && sameRequest(again.request_hash)) return { codename, replay: true };
        throw neutral();
      }
      await insertSubjectKeys(trx, [dataKey]);
      await insertNewCases(trx, [sealed]);
      await markCaseRestricted(trx, caseId, used.team_id);
      if (!(await storeApplicantCodename(trx, { lookupId: credentials.lookupId, caseEnc }))) {
        // Two random codenames coincided (about 1 in 10^10 at a million cases): nothing is
        // kept, the code stays unused, and the person is asked to send the form again.
        throw new AppError('validation_failed', 'codename collision', { fields: { form: 'form.expired' } });
      }
      await recordAuditBatch(trx, [
        { actor: 'applicant', action: 'case.create', target: `case:${ref}` },
        { actor: 'applicant', action: 'ha.code_use', target: `ha-code:${used.id}` },
      ]);
      return { codename, replay: false };
    });
  } finally {
    credentials.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Break-glass into a restricted case: an administrator, with a second person (ADR 0159)

const breakGlassSchema = z.object({ ref: caseRefSchema, reason: textField(500).pipe(z.string().min(10)) });

/**
 * Files a request for break-glass into a restricted case. Nothing opens until a second
 * administrator approves; the approval then grants the requester BREAK_GLASS_FIRST_HOURS. A
 * reference that is not a restricted case answers 404 (this is no door into other cases).
 */
export async function requestRestrictedBreakGlass(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<string> {
  requireAllowed(canRequestRestrictedBreakGlass(actor), 'restricted break-glass');
  const staff = staffOnly(actor);
  const ref = caseRefSchema.safeParse((input as { ref?: unknown } | null)?.ref);
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = ref.success ? await findCaseByRef(trx, ref.data) : undefined;
    if (row === undefined || !row.restricted) throw new AppError('not_found', 'no such restricted case');
    const parsed = breakGlassSchema.safeParse(input);
    if (!parsed.success) {
      throw new AppError('validation_failed', 'invalid reason', { fields: { reason: 'bg.field.reason' } });
    }
    const id = await requestAct(ctx, trx, {
      kind: 'ha_break_glass',
      requestedBy: staff.id,
      payload: { caseRef: row.ref, reason: parsed.data.reason },
    });
    // The reason is free text: only in the request's encrypted payload, never in the log.
    await recordAudit(trx, {
      actor: staff.id,
      action: 'ha.break_glass_request',
      target: `case:${row.ref}`,
      reason: `approval ${id}`,
    });
    return id;
  });
}

registerAct('ha_break_glass', {
  // A second administrator (never the requester: the registry refuses that).
  canDecide: (actor) => canRequestRestrictedBreakGlass(actor),
  describe: (p) => [`Case ${p.caseRef ?? '?'} (restricted)`, `Reason: ${p.reason ?? ''}`],
  async execute(ctx, trx, payload, by) {
    const row = payload.caseRef === undefined ? undefined : await findCaseByRef(trx, payload.caseRef);
    if (row === undefined || !row.restricted) throw new AppError('not_found', 'no such restricted case');
    const grantId = randomUUID();
    await insertBreakGlassGrant(trx, {
      id: grantId,
      staff_id: by.requester,
      case_id: row.id,
      reason_enc: await sealGrantText(ctx, trx, row.id, grantId, 'reason', payload.reason ?? ''),
      expires_at: new Date(Date.now() + BREAK_GLASS_FIRST_HOURS * 3600_000),
    });
    await recordAudit(trx, {
      actor: by.requester,
      action: 'case.break_glass',
      target: `case:${row.ref}`,
      reason: `grant ${grantId}; ${by.reason}`,
    });
    return { target: `case:${row.ref}` };
  },
});

// ---------------------------------------------------------------------------------------------
// Retention

/** Erasing a restricted case also erases the code that opened it and shreds its label. */
export async function eraseCodesOfCase(trx: Db, caseId: string): Promise<void> {
  for (const id of await deleteCodesOfCase(trx, caseId)) await destroySubjectKey(trx, codeSubject(id));
}
