import { randomUUID } from 'node:crypto';
import { type AppContext, databaseLimitCounts } from '../../context.ts';
import {
  BusyError,
  type CodenameCredentials,
  checkFormToken,
  codenameFromToken,
  type DataKey,
  deriveCodenameCredentials,
  encryptField,
  issueFormToken,
  issuePowChallenge,
  keyedDigest,
  normaliseCodename,
  verifyPowSolution,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { isTransientDbError } from '../../db/failover.ts';
import { CASE_APPLICANT_TYPE_OF } from '../../domain/applicant.ts';
import { AppError } from '../../platform/errors.ts';
import { admitShared, RateLimiter } from '../../platform/rate-limit.ts';
import { type AuditAction, type AuditEvent, recordAudit, recordAuditBatch } from '../audit/index.ts';
import {
  addApplicantMessage,
  insertNewCases,
  listApplicantVisibleMessages,
  newCaseRef,
  sealNewCase,
  subjectOf,
  today,
} from '../cases/index.ts';
import { insertSubjectKeys, wrapNewSubjectKey } from '../keys/index.ts';
import { ApplicantSessions } from './applicant-session.ts';
import { type BlobStore, createBlobStore } from './blob-store.ts';
import { type GroupCommitObserver, GroupCommitQueue } from '../../platform/group-commit.ts';
import type { TelegramTracingHooks } from './channels/telegram/telegram-tracing.ts';
import {
  claimIdempotencyKeys,
  findCodename,
  findExistingCaseIds,
  findIdempotencyRecords,
  insertSubmissionBatch,
  type PreparedCase,
} from './intake.repository.ts';
import {
  answersFromWebForm,
  answersSchema,
  computeUrgency,
  fieldErrors,
  type IntakeAnswers,
  idempotencyKeySchema,
  MESSAGE_MAX,
  textField,
  type WebForm,
} from './intake.schemas.ts';
import { NO_RAISE, type PowRaise, powLevel } from './pow-level.ts';

/**
 * Intake: turns what arrives (web form, Telegram conversation, partner API call) into a
 * case in state "new", through the group-commit queue; signs applicants back in by
 * codename; carries their messages. Every function takes the context first; those that
 * act for a partner or staff member authorise first.
 */

/** Seconds a proof-of-work challenge (and so a form) stays valid. */
export const POW_TTL_SECONDS = 3_600;

/** A submission ready to commit: every ciphertext already computed, outside the transaction. */
export interface SubmissionJob {
  rows: PreparedCase;
  channel: 'web' | 'telegram' | 'partner';
  codename?: { lookupId: Buffer; caseEnc: Buffer };
  telegram?: { chatHash: Buffer; chatEnc: Buffer; locale: 'ru' | 'uk' | 'en' };
  idempotency?: { keyHash: Buffer; requestHash: Buffer };
  partnerId?: string;
  /**
   * What another module writes with the new case, in the batch's transaction (a partner's
   * tracing request, ADR 0161): the case and it commit together or not at all. Not run for a
   * replay.
   */
  within?: (trx: Db, created: { caseId: string; ref: string }) => Promise<void>;
}

export interface SubmissionResult {
  caseId: string;
  ref: string;
  /** True when the idempotency key had already been used: nothing new was stored. */
  replay: boolean;
  /** False when a replayed key came with a different request. */
  sameRequest: boolean;
  /** True when the batch that answered it also audited it (a partner's replayed call). */
  audited?: boolean;
}

export interface IntakeRuntime {
  readonly queue: GroupCommitQueue<SubmissionJob, SubmissionResult>;
  readonly sessions: ApplicantSessions;
  readonly limits: {
    /** Submissions without proof of work, all clients together, per minute. */
    readonly noJsGlobal: RateLimiter;
    /** … and per client (rotating-HMAC key of the connection address, memory only). */
    readonly noJsClient: RateLimiter;
    readonly powClient: RateLimiter;
    readonly signInGlobal: RateLimiter;
    readonly signInClient: RateLimiter;
    readonly messages: RateLimiter;
    readonly uploads: RateLimiter;
    readonly partner: RateLimiter;
  };
  /**
   * Salts of form challenges already spent, until they expire, with the hash of the request
   * that spent each: only that same request may come again (a retry).
   */
  readonly powSpent: Map<string, { expiresAt: number; requestHash: Buffer }>;
  /** The proof of work's raise under load, for the next forms (ADR 0197). */
  powRaise: PowRaise;
  /** Idempotency keys being committed now: a concurrent retry waits for the first. */
  readonly inFlight: Map<string, { requestHash: Buffer; result: Promise<SubmissionResult> }>;
  /** Where attachment ciphertexts live (ADR 0115). */
  readonly blobs: BlobStore;
  /** Who sees each upload's bytes as they arrive (the evidence module, ADR 0134). */
  readonly arrivals: UploadArrivalObserver[];
  /** Family tracing's hooks for the Telegram bot (registered by app.ts, ADR 0161). */
  tracing: TelegramTracingHooks | undefined;
}

/** An upload that is kept as evidence, as the transaction that stores it sees it. */
export interface UploadArrival {
  caseId: string;
  attachmentId: string;
  channel: 'applicant_upload' | 'staff_upload' | 'interview';
  /** 'applicant', or the staff id of who added it. */
  receivedBy: string;
  fileName: string;
  type: 'image/jpeg' | 'image/png' | 'application/pdf';
  /** The case's data key (open for the duration of the call). */
  key: DataKey;
}

/**
 * Sees the exact bytes of every upload as they arrive, before any check or stripping (the
 * evidence module hashes them there), and returns what to do inside the transaction that
 * stores the upload when it is kept as evidence.
 */
export type UploadArrivalObserver = (data: Buffer) => (trx: Db, arrival: UploadArrival) => Promise<void>;

class CodenameCollisionError extends Error {
  override name = 'CodenameCollisionError';
}

/** Builds the runtime state of the intake module for one process. */
export function createIntakeRuntime(ctx: AppContext, blobDir: string): IntakeRuntime {
  const c = ctx.config.intake;
  const writers = ctx.database.kind === 'pglite' ? 1 : c.writers;
  const clock = ctx.limits.clock;
  const runtime: IntakeRuntime = {
    queue: new GroupCommitQueue<SubmissionJob, SubmissionResult>(
      {
        capacity: c.queueCapacity,
        maxBatch: c.batchMax,
        writers,
        retryAfterSeconds: 30,
        // Through a failover the batch waits for the new primary (ADR 0118).
        retry: { isTransient: isTransientDbError, budgetMs: ctx.config.databaseRetrySeconds * 1000 },
      },
      (jobs, attempt) => commitSubmissionBatch(ctx, jobs, attempt),
      intakeQueueObserver(ctx),
    ),
    sessions: new ApplicantSessions({
      db: () => ctx.database.db,
      vault: ctx.vault,
      idleMinutes: c.sessionIdleMinutes,
      clock,
    }),
    limits: {
      noJsGlobal: new RateLimiter({ limit: c.noJsPerMinute, windowMs: 60_000, keys: 'plain', clock }),
      noJsClient: new RateLimiter({ limit: c.perClientPerMinute, windowMs: 60_000, clock }),
      powClient: new RateLimiter({ limit: c.perClientPerMinute * 6, windowMs: 60_000, clock }),
      signInGlobal: new RateLimiter({ limit: 300, windowMs: 60_000, keys: 'plain', clock }),
      signInClient: new RateLimiter({ limit: c.perClientPerMinute * 2, windowMs: 60_000, clock }),
      messages: new RateLimiter({ limit: 20, windowMs: 60_000, keys: 'plain', clock }),
      uploads: new RateLimiter({ limit: 20, windowMs: 60 * 60_000, keys: 'plain', clock }),
      partner: new RateLimiter({ limit: c.partnerPerMinute, windowMs: 60_000, keys: 'plain', clock }),
    },
    powSpent: new Map(),
    powRaise: NO_RAISE,
    inFlight: new Map(),
    blobs: createBlobStore(ctx, blobDir),
    arrivals: [],
    tracing: undefined,
  };
  // Several instances on PostgreSQL count every limit together (ADR 0117); PGlite is one
  // process by construction, and keeps them in memory.
  if (ctx.database.kind === 'postgres') {
    const counts = databaseLimitCounts(ctx);
    for (const [name, limiter] of Object.entries(runtime.limits))
      limiter.shareThrough(`intake.${name}`, counts);
  }
  return runtime;
}

/**
 * The group commit's metrics (ADR 0111): batch sizes, commit durations and refusals. The
 * queue's depth is read at each scrape (see the intake plugin).
 */
function intakeQueueObserver(ctx: AppContext): GroupCommitObserver {
  const m = ctx.metrics;
  const size = m.histogram(
    'sanctuary_intake_batch_size',
    'Submissions committed together in one transaction by the group commit',
    [1, 2, 5, 10, 20, 50, 100, 200, 500],
  );
  const seconds = m.histogram(
    'sanctuary_intake_batch_commit_seconds',
    'How long one group-commit transaction took (seconds)',
    [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  const refused = m.counter(
    'sanctuary_intake_queue_refusals_total',
    'Submissions refused with 503 "busy" because the intake queue (or its share for submissions without proof of work) was full',
  );
  return {
    committed(n, s) {
      size(n);
      seconds(s);
    },
    refused,
  };
}

// ---------------------------------------------------------------------------------------------
// Group commit

/**
 * Commits a batch of prepared submissions in one transaction, with the same few statements
 * whatever the batch size (ADR 0043): the idempotency claim; one statement for the data
 * keys, cases, their "created" events, codename credentials and Telegram links; and the
 * audit entries (one per new case). All or nothing; a failing batch is split by the queue
 * to find the failing job.
 *
 * Idempotency is decided here, once per batch: the batch first claims its keys (insert …
 * on conflict do nothing, which waits for a concurrent transaction holding the same key), and
 * a job whose key was already claimed is answered with what the earlier request stored,
 * without writing anything for it. A retry therefore needs no lookup of its own before it
 * joins the queue, and two processes racing with one key still store one case.
 */
export async function commitSubmissionBatch(
  ctx: AppContext,
  jobs: SubmissionJob[],
  attempt: { retry: boolean } = { retry: false },
): Promise<Array<SubmissionResult | Error>> {
  if (!attempt.retry) return commitFreshBatch(ctx, jobs);
  // An earlier attempt failed with the database going away (ADR 0118) and may have committed
  // (a primary that committed, replicated to its synchronous standby and died before
  // answering). Each job's case id was drawn before the first attempt, so a case with that id
  // is this job, stored: answer it as stored, and commit only the others.
  const stored = new Set(
    await findExistingCaseIds(
      ctx.database.db,
      jobs.map((j) => j.rows.caseId),
    ),
  );
  const rest = jobs.filter((j) => !stored.has(j.rows.caseId));
  const restResults = rest.length === 0 ? [] : await commitFreshBatch(ctx, rest);
  let next = 0;
  return jobs.map((j) =>
    stored.has(j.rows.caseId)
      ? { caseId: j.rows.caseId, ref: j.rows.caseRow.ref, replay: false, sameRequest: true }
      : restResults[next++]!,
  );
}

async function commitFreshBatch(
  ctx: AppContext,
  jobs: SubmissionJob[],
): Promise<Array<SubmissionResult | Error>> {
  // Each job's idempotency key as a map key, computed once (undefined: the job has none).
  const keys = jobs.map((j) => j.idempotency?.keyHash.toString('hex'));
  let results: SubmissionResult[] = [];
  try {
    await ctx.database.db.transaction().execute(async (trx) => {
      const answered: Array<SubmissionResult | undefined> = new Array(jobs.length);
      const claims: Array<{ key_hash: Uint8Array; case_id: string; request_hash: Uint8Array }> = [];
      jobs.forEach((j, i) => {
        if (keys[i] !== undefined) {
          claims.push({
            key_hash: j.idempotency!.keyHash,
            case_id: j.rows.caseId,
            request_hash: j.idempotency!.requestHash,
          });
        }
      });
      const claimed = new Set((await claimIdempotencyKeys(trx, claims)).map((k) => k.toString('hex')));
      // Only the first job of a key claimed here writes; a second one in the same batch (two
      // processes cannot put one there, `once` keeps a process from doing it) is its replay.
      // A key claimed before is answered from its stored record.
      const owners = new Map<string, SubmissionJob>();
      const taken = new Map<string, number[]>();
      const fresh: SubmissionJob[] = [];
      jobs.forEach((j, i) => {
        const key = keys[i];
        if (key === undefined) {
          fresh.push(j);
        } else if (!claimed.has(key)) {
          const waiting = taken.get(key);
          if (waiting === undefined) taken.set(key, [i]);
          else waiting.push(i);
        } else {
          const owner = owners.get(key);
          if (owner === undefined) {
            owners.set(key, j);
            fresh.push(j);
          } else {
            answered[i] = {
              caseId: owner.rows.caseId,
              ref: owner.rows.caseRow.ref,
              replay: true,
              sameRequest: owner.idempotency!.requestHash.equals(j.idempotency!.requestHash),
            };
          }
        }
      });
      if (taken.size > 0) {
        const found = await findIdempotencyRecords(
          trx,
          [...taken.values()].map((waiting) => jobs[waiting[0]!]!.idempotency!.keyHash),
        );
        // A key claimed by a record that is gone by now (a purge between the two statements):
        // fail the batch, so that the queue commits each job alone and this one is stored.
        if (found.length !== taken.size) throw new Error('idempotency record vanished');
        for (const f of found) {
          const stored = toBuffer(f.request_hash);
          for (const i of taken.get(toBuffer(f.key_hash).toString('hex')) ?? []) {
            answered[i] = {
              caseId: f.case_id,
              ref: f.ref,
              replay: true,
              sameRequest: stored.equals(jobs[i]!.idempotency!.requestHash),
            };
          }
        }
      }
      results = jobs.map(
        (j, i) =>
          answered[i] ?? { caseId: j.rows.caseId, ref: j.rows.caseRow.ref, replay: false, sameRequest: true },
      );
      // A partner's replayed call is audited here, with the batch, rather than by a
      // transaction of its own per call: a retry storm then costs one lock, not hundreds.
      const replayAudits: AuditEvent[] = [];
      jobs.forEach((j, i) => {
        const r = results[i]!;
        if (!r.replay || j.partnerId === undefined) return;
        r.audited = true;
        replayAudits.push({
          actor: `partner:${j.partnerId}`,
          action: 'intake.partner_replay',
          target: `case:${r.ref}`,
          reason: r.sameRequest ? null : 'different body',
        });
      });
      if (fresh.length === 0) {
        await recordAuditBatch(trx, replayAudits);
        return;
      }
      // Three statements whatever the batch size: the case keys (keys module), the cases with
      // their "created" events (cases module), then intake's own codenames and Telegram links.
      await insertSubjectKeys(
        trx,
        fresh.map((j) => j.rows.dataKey),
      );
      await insertNewCases(
        trx,
        fresh.map((j) => j.rows),
      );
      const { codenameConflicts } = await insertSubmissionBatch(trx, {
        codenames: fresh.flatMap((j) =>
          j.codename === undefined ? [] : [{ lookup_id: j.codename.lookupId, case_enc: j.codename.caseEnc }],
        ),
        telegramLinks: fresh.flatMap((j) =>
          j.telegram === undefined
            ? []
            : [
                {
                  chat_hash: j.telegram.chatHash,
                  case_id: j.rows.caseId,
                  chat_enc: j.telegram.chatEnc,
                  locale: j.telegram.locale,
                },
              ],
        ),
      });
      // Two random codenames coincided (about 1 in 10^10 at a million cases): never link a
      // second case to an existing codename. The applicant is asked to send again.
      if (codenameConflicts > 0) throw new CodenameCollisionError('codename collision');
      for (const j of fresh) {
        if (j.within !== undefined) await j.within(trx, { caseId: j.rows.caseId, ref: j.rows.caseRow.ref });
      }
      // One entry per new case, naming who filed it: the applicant (web, Telegram) or the
      // partner whose token made the call; then the partners' replayed calls.
      await recordAuditBatch(trx, [
        ...fresh.map((j): AuditEvent => ({
          actor: j.partnerId === undefined ? 'applicant' : `partner:${j.partnerId}`,
          action: 'case.create',
          target: `case:${j.rows.caseRow.ref}`,
        })),
        ...replayAudits,
      ]);
    });
  } catch (error) {
    // A batch with a collision fails as a whole and the queue commits each job alone.
    if (error instanceof CodenameCollisionError && jobs.length === 1) return [error];
    throw error;
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Preparing a submission (all the CPU work happens before the queue)

/** The cases module's applicant type for an intake answer. */
function caseApplicantType(answers: IntakeAnswers): PreparedCase['caseRow']['applicant_type'] {
  return answers.applicantType === undefined ? 'unknown' : CASE_APPLICANT_TYPE_OF[answers.applicantType];
}

/** The intake answers as the cases module stores them (question → answer). */
export function answersRecord(
  answers: IntakeAnswers,
  channel: SubmissionJob['channel'],
): Record<string, string> {
  const record: Record<string, string> = { channel };
  if (answers.applicantType !== undefined) record.applicant_type = answers.applicantType;
  if (answers.country !== undefined) record.country = answers.country;
  if (answers.region !== undefined) record.region = answers.region;
  if (answers.urgency !== undefined) record.urgency = answers.urgency;
  if (answers.deadline !== undefined) record.deadline = answers.deadline;
  if (answers.documents.length > 0) record.documents = answers.documents.join(', ');
  if (answers.needs.length > 0) record.needs = answers.needs.join(', ');
  if (answers.contact !== undefined) record.contact = answers.contact;
  return record;
}

/**
 * Builds the rows of a new case exactly as the cases module's createCase would (a fresh
 * data key, person "{}", story, intake answers, urgency, a "created" event), with every
 * ciphertext computed here, outside the transaction. intake.compat.test.ts reads such a
 * case back through the cases module to catch any drift.
 */
export function prepareCase(
  ctx: AppContext,
  answers: IntakeAnswers,
  channel: SubmissionJob['channel'],
  extra: { telegramChatId?: string; custom?: Record<string, string> } = {},
): PreparedCase & { chatEnc?: Buffer } {
  const caseId = randomUUID();
  const { key, row: dataKey } = wrapNewSubjectKey(ctx.vault, subjectOf(caseId));
  try {
    const prepared: PreparedCase & { chatEnc?: Buffer } = {
      caseId,
      dataKey,
      ...sealNewCase(key, {
        id: caseId,
        ref: newCaseRef(),
        urgency: computeUrgency(answers, currentDay()),
        applicantType: caseApplicantType(answers),
        country: answers.country !== undefined && answers.country !== 'OTHER' ? answers.country : null,
        person: EMPTY_PERSON,
        story: answers.story,
        answers: { ...answersRecord(answers, channel), ...extra.custom },
      }),
    };
    if (extra.telegramChatId !== undefined) {
      prepared.chatEnc = encryptField(key, extra.telegramChatId, {
        table: 'intake_telegram_links',
        column: 'chat',
        rowId: caseId,
      });
    }
    return prepared;
  } finally {
    key.dispose();
  }
}

/** A new case's person record: nothing yet (what createCase stores for an empty person). */
const EMPTY_PERSON = Buffer.from(JSON.stringify({ documents: [], family: [] }), 'utf8');

/** Today's date (UTC, as `today()` gives it), computed once per day rather than per case. */
let dayCache = { from: 0, until: 0, day: '' };
function currentDay(now = Date.now()): string {
  if (now < dayCache.from || now >= dayCache.until) {
    const from = now - (now % 86_400_000);
    dayCache = { from, until: from + 86_400_000, day: today(new Date(now)) };
  }
  return dayCache.day;
}

function parseAnswers(input: unknown): IntakeAnswers {
  const parsed = answersSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'invalid submission', { fields: fieldErrors(parsed.error) });
  }
  return parsed.data;
}

function requestHash(ctx: AppContext, answers: IntakeAnswers): Buffer {
  return keyedDigest(ctx.vault.requireKeyring(), 'request', JSON.stringify(answers));
}

async function deriveOrBusy(ctx: AppContext, digits: string): Promise<CodenameCredentials> {
  try {
    return await deriveCodenameCredentials(ctx.vault.requireKeyring(), digits);
  } catch (error) {
    if (error instanceof BusyError)
      throw new AppError('overloaded', 'codename derivation busy', { retryAfter: 30 });
    throw error;
  }
}

/**
 * Runs `work` once per idempotency key at a time in this process. A concurrent request with
 * the same key waits for the first and is answered as its replay: with the same case, and
 * judged against its own body (a different body under the same key is a conflict, exactly
 * as when it arrives later).
 */
async function once(
  rt: IntakeRuntime,
  keyHash: Buffer,
  requestHash: Buffer,
  work: () => Promise<SubmissionResult>,
): Promise<SubmissionResult> {
  const k = keyHash.toString('hex');
  const running = rt.inFlight.get(k);
  if (running !== undefined) {
    const first = await running.result;
    return {
      ...first,
      replay: true,
      sameRequest: first.sameRequest && running.requestHash.equals(requestHash),
      audited: false,
    };
  }
  const result = work().finally(() => rt.inFlight.delete(k));
  rt.inFlight.set(k, { requestHash, result });
  return result;
}

async function findReplay(
  ctx: AppContext,
  keyHash: Buffer,
  reqHash: Buffer,
): Promise<SubmissionResult | undefined> {
  const [found] = await findIdempotencyRecords(ctx.database.db, [keyHash]);
  if (found === undefined) return undefined;
  return {
    caseId: found.case_id,
    ref: found.ref,
    replay: true,
    sameRequest: Buffer.from(found.request_hash).equals(reqHash),
  };
}

// ---------------------------------------------------------------------------------------------
// Web

/** A fresh form: its challenge (also its clock for the no-JavaScript path) and its token. */
export interface FreshForm {
  challenge: string;
  formToken: string;
}

/**
 * A fresh challenge and the form token bound to it (ADR 0091). The token is issued here and
 * MAC'd over the challenge, so it is valid exactly as long as the challenge (POW_TTL_SECONDS):
 * that is the window in which a retry of the same form is answered with its codename.
 */
export function newFormChallenge(ctx: AppContext, rt: IntakeRuntime, now = Date.now()): FreshForm {
  const keyring = ctx.vault.requireKeyring();
  // The difficulty rises while the queue fills (ADR 0197).
  const level = powLevel(ctx.config.intake.powDifficulty, rt.queue, rt.powRaise, now);
  rt.powRaise = level.raise;
  const { challenge } = issuePowChallenge(keyring, {
    difficulty: level.difficulty,
    ttlSeconds: POW_TTL_SECONDS,
    now,
  });
  return { challenge, formToken: issueFormToken(keyring, challenge) };
}

function sweepSpent(rt: IntakeRuntime, nowSeconds: number): void {
  if (rt.powSpent.size < 10_000) return;
  for (const [salt, spent] of rt.powSpent) if (spent.expiresAt < nowSeconds) rt.powSpent.delete(salt);
}

/** The form was already sent with other answers: never its codename (ADR 0091). */
function formAlreadyUsed(): AppError {
  return new AppError('conflict', 'form token reused with a different request', {
    fields: { form: 'form.error.used' },
  });
}

/**
 * Admission for a web submission (ADR 0042, 0091), in two steps so that a flood, or a replay of
 * someone else's form, is turned away before it costs a database lookup:
 *
 * 1. `screenWebForm`, before anything else: the challenge's signature and age, the form
 *    token's MAC over that challenge, the proof of work if there is one (verifying it is cheap),
 *    and for the no-JavaScript path the minimum fill time and the strict no-JavaScript limits.
 * 2. `spendChallenge`: the per-client limit for proven forms, then the challenge is spent for
 *    this request (its answers' hash). A challenge already spent admits only the identical
 *    request again (a retry, answered by the replay lookup that follows); with other answers
 *    it is refused here, before the database is asked anything.
 */
type Screened = { proven: boolean; salt: string; expiresAt: number };

async function screenWebForm(
  ctx: AppContext,
  rt: IntakeRuntime,
  form: WebForm,
  clientKey: string,
  now: number,
): Promise<Screened> {
  const keyring = ctx.vault.requireKeyring();
  const c = ctx.config.intake;
  const expired = () =>
    new AppError('validation_failed', 'form challenge invalid', { fields: { form: 'form.error.expired' } });
  const parts = form.pow_challenge.split('.');
  const expiresAt = Number(parts[2]);
  if (parts.length !== 5 || !Number.isInteger(expiresAt)) throw expired();
  const salt = parts[3]!;
  const nowSeconds = Math.floor(now / 1000);
  if (form.pow_solution !== '') {
    const verdict = verifyPowSolution(keyring, form.pow_challenge, form.pow_solution, now);
    if (!verdict.ok) throw expired();
    // The token must be this server's, for this challenge: a client cannot choose it (ADR 0091).
    if (!checkFormToken(keyring, form.pow_challenge, form.form_token)) throw expired();
    return { proven: true, salt: verdict.salt, expiresAt: verdict.expiresAt };
  }
  // No JavaScript: the challenge still proves when the form was served (its signature is checked).
  const verdict = verifyPowSolution(keyring, form.pow_challenge, '0', now);
  if (!verdict.ok && verdict.reason !== 'wrong') throw expired();
  if (!checkFormToken(keyring, form.pow_challenge, form.form_token)) throw expired();
  const issuedAt = expiresAt - POW_TTL_SECONDS;
  if (nowSeconds - issuedAt < c.minFillSeconds) {
    throw new AppError('validation_failed', 'form sent too fast', {
      fields: { form: 'form.error.too_fast' },
    });
  }
  // The client's own allowance first; only an admitted form counts against everyone's (ADR 0088).
  const refusedBy = c.requirePow
    ? rt.limits.noJsGlobal
    : await admitShared([
        [rt.limits.noJsClient, clientKey],
        [rt.limits.noJsGlobal, 'all'],
      ]);
  if (refusedBy !== undefined) {
    throw new AppError('overloaded', 'no-JavaScript submissions over their limit', {
      retryAfter: refusedBy.retryAfter(),
    });
  }
  return { proven: false, salt, expiresAt };
}

async function spendChallenge(
  rt: IntakeRuntime,
  screened: Screened,
  reqHash: Buffer,
  clientKey: string,
  now: number,
): Promise<void> {
  // The client's limit comes first, retries included: each costs a lookup (finding 10).
  if (screened.proven && (await admitShared([[rt.limits.powClient, clientKey]])) !== undefined) {
    throw new AppError('rate_limited', 'proof-of-work client limit', {
      retryAfter: rt.limits.powClient.retryAfter(),
    });
  }
  const spent = rt.powSpent.get(screened.salt);
  if (spent !== undefined) {
    if (!spent.requestHash.equals(reqHash)) throw formAlreadyUsed();
    return;
  }
  sweepSpent(rt, Math.floor(now / 1000));
  rt.powSpent.set(screened.salt, { expiresAt: screened.expiresAt, requestHash: reqHash });
}

/**
 * The web form: validates, admits (proof of work or the no-JavaScript limits), derives the
 * codename from the server-issued form token, and waits for the commit. A retry of the same
 * form with the same answers, within the token's window, stores nothing new and shows the same
 * codename; with other answers it shows no codename at all (ADR 0091: a phishing page that made
 * its victim send the attacker's token must not let the attacker read the victim's codename).
 */
export async function submitWebForm(
  ctx: AppContext,
  rt: IntakeRuntime,
  /** `custom`: the answers to the organisation's own questions, already checked (ADR 0195). */
  form: WebForm & { custom?: Record<string, string> },
  clientKey: string,
  now = Date.now(),
): Promise<{ codename: string; replay: boolean; ref: string }> {
  const keyring = ctx.vault.requireKeyring();
  // While the no-JavaScript path is full, for everyone or for this client, a form without proof
  // of work is turned away before anything else (no parsing, no challenge check): that is most
  // of a flood, and it must be cheap. Only read here; screenWebForm counts (ADR 0088).
  if (form.pow_solution === '') {
    const full = rt.limits.noJsGlobal.blocked('all')
      ? rt.limits.noJsGlobal
      : rt.limits.noJsClient.blocked(clientKey)
        ? rt.limits.noJsClient
        : undefined;
    if (full !== undefined) {
      throw new AppError('overloaded', 'no-JavaScript submissions over their limit', {
        retryAfter: full.retryAfter(),
      });
    }
  }
  const answers = parseAnswers(answersFromWebForm(form));
  // Screened next: a flood is turned away before any keyed hashing or database lookup.
  const screened = await screenWebForm(ctx, rt, form, clientKey, now);
  // The organisation's questions are part of the request: a retry with other answers is not a retry.
  const reqHash =
    form.custom === undefined
      ? requestHash(ctx, answers)
      : keyedDigest(keyring, 'request', JSON.stringify([answers, form.custom]));
  await spendChallenge(rt, screened, reqHash, clientKey, now);
  const keyHash = keyedDigest(keyring, 'idempotency', `web|${form.form_token}`);
  const codename = codenameFromToken(keyring, form.form_token);
  const previous = await findReplay(ctx, keyHash, reqHash);
  if (previous !== undefined) {
    if (!previous.sameRequest) throw formAlreadyUsed();
    return { codename, replay: true, ref: previous.ref };
  }
  const proven = screened.proven;
  const result = await once(rt, keyHash, reqHash, async () => {
    const credentials = await deriveOrBusy(ctx, codename);
    try {
      const rows = prepareCase(ctx, answers, 'web', form.custom === undefined ? {} : { custom: form.custom });
      return await rt.queue.enqueue(
        {
          rows,
          channel: 'web',
          codename: { lookupId: credentials.lookupId, caseEnc: credentials.sealCaseId(rows.caseId) },
          idempotency: { keyHash, requestHash: reqHash },
        },
        { proven },
      );
    } finally {
      credentials.dispose();
    }
  }).catch((error: unknown) => {
    if (error instanceof CodenameCollisionError) {
      throw new AppError('validation_failed', 'codename collision', {
        fields: { form: 'form.error.expired' },
      });
    }
    throw error;
  });
  // Answered as the replay of a request with other answers (in flight here, or stored by
  // another process meanwhile): no codename.
  if (result.replay && !result.sameRequest) throw formAlreadyUsed();
  return { codename, replay: result.replay, ref: result.ref };
}

// ---------------------------------------------------------------------------------------------
// Telegram

/** A keyed, irreversible handle of a Telegram chat id (the chat id itself is stored only encrypted). */
export function telegramChatHash(ctx: AppContext, chatId: string): Buffer {
  return keyedDigest(ctx.vault.requireKeyring(), 'telegram-chat', chatId);
}

/**
 * A finished Telegram conversation. Idempotent per Telegram update (Telegram re-sends an
 * update it thinks was not handled): the codename derives from the chat and update ids.
 */
export async function submitFromTelegram(
  ctx: AppContext,
  rt: IntakeRuntime,
  input: { chatId: string; updateId: number; locale: 'ru' | 'uk' | 'en'; answers: unknown },
): Promise<{ codename: string; replay: boolean }> {
  const keyring = ctx.vault.requireKeyring();
  const answers = parseAnswers(input.answers);
  const chatHash = telegramChatHash(ctx, input.chatId);
  const token = `tg|${chatHash.toString('hex')}|${input.updateId}`;
  const keyHash = keyedDigest(keyring, 'idempotency', token);
  const reqHash = requestHash(ctx, answers);
  const codename = codenameFromToken(keyring, token);
  const previous = await findReplay(ctx, keyHash, reqHash);
  if (previous !== undefined) return { codename, replay: true };
  const result = await once(rt, keyHash, reqHash, async () => {
    const credentials = await deriveOrBusy(ctx, codename);
    try {
      const rows = prepareCase(ctx, answers, 'telegram', { telegramChatId: input.chatId });
      return await rt.queue.enqueue(
        {
          rows,
          channel: 'telegram',
          codename: { lookupId: credentials.lookupId, caseEnc: credentials.sealCaseId(rows.caseId) },
          telegram: { chatHash, chatEnc: rows.chatEnc!, locale: input.locale },
          idempotency: { keyHash, requestHash: reqHash },
        },
        // Telegram rate-limits its own users and our bot token is the only way in.
        { proven: true },
      );
    } finally {
      credentials.dispose();
    }
  });
  return { codename, replay: result.replay };
}

// ---------------------------------------------------------------------------------------------
// Partner API

export interface Partner {
  id: string;
  label: string;
}

/** Audits a partner call that stored nothing (an accepted one is audited by its batch). */
function auditPartnerCall(
  ctx: AppContext,
  partner: Partner,
  action: AuditAction,
  target: string | null,
  reason: string | null,
): Promise<void> {
  return recordAudit(ctx.database.db, { actor: `partner:${partner.id}`, action, target, reason });
}

/** Audits a partner's replayed call (unless its batch did) and refuses a reused key with another body (409). */
async function settlePartnerReplay(
  ctx: AppContext,
  partner: Partner,
  result: SubmissionResult,
): Promise<void> {
  if (!result.replay) return;
  if (result.audited !== true) {
    await auditPartnerCall(
      ctx,
      partner,
      'intake.partner_replay',
      `case:${result.ref}`,
      result.sameRequest ? null : 'different body',
    );
  }
  if (!result.sameRequest) throw new AppError('conflict', 'Idempotency-Key reused with a different body');
}

/**
 * A submission from a partner (e.g. a hotline operator typing in a call). Authorisation
 * (the bearer token) happened in the route; every call is audited, including refused and
 * replayed ones. A reused Idempotency-Key with a different body is a 409.
 */
export async function submitFromPartner(
  ctx: AppContext,
  rt: IntakeRuntime,
  partner: Partner,
  input: { body: unknown; idempotencyKey: string | undefined },
): Promise<{ caseRef: string; replay: boolean }> {
  const keyring = ctx.vault.requireKeyring();
  if ((await admitShared([[rt.limits.partner, partner.id]])) !== undefined) {
    throw new AppError('rate_limited', 'partner rate limit', { retryAfter: rt.limits.partner.retryAfter() });
  }
  let answers: IntakeAnswers;
  try {
    if (input.idempotencyKey !== undefined && !idempotencyKeySchema.safeParse(input.idempotencyKey).success) {
      throw new AppError('validation_failed', 'bad Idempotency-Key', {
        fields: { 'Idempotency-Key': 'form.error.invalid' },
      });
    }
    answers = parseAnswers(input.body);
  } catch (error) {
    await auditPartnerCall(ctx, partner, 'intake.partner_rejected', null, 'validation failed');
    throw error;
  }
  const submit = (idempotency?: { keyHash: Buffer; requestHash: Buffer }) =>
    rt.queue.enqueue(
      {
        rows: prepareCase(ctx, answers, 'partner'),
        channel: 'partner',
        partnerId: partner.id,
        ...(idempotency === undefined ? {} : { idempotency }),
      },
      { proven: true },
    );
  if (input.idempotencyKey === undefined) {
    const r = await submit();
    return { caseRef: r.ref, replay: false };
  }
  const keyHash = keyedDigest(keyring, 'idempotency', `partner|${partner.id}|${input.idempotencyKey}`);
  const reqHash = requestHash(ctx, answers);
  // No lookup before queueing: the batch that commits this job decides whether the key was
  // used before (commitSubmissionBatch), so a first request costs no extra round trip.
  const result = await once(rt, keyHash, reqHash, () => submit({ keyHash, requestHash: reqHash }));
  await settlePartnerReplay(ctx, partner, result);
  return { caseRef: result.ref, replay: result.replay };
}

/**
 * A family member's case filed by a partner together with what another module writes with it
 * (a tracing request, ADR 0161), in one transaction. The Idempotency-Key is required: the
 * family's codename derives from it (as a Telegram chat's does from its update), so a retry is
 * answered with the same case and the same codename, and stores nothing new; the same key with
 * a different body (`extra` included) is a 409. The codename is for the partner to hand to the
 * family, who read any answer in the inbox like every other family.
 */
export async function submitFamilyCaseFromPartner(
  ctx: AppContext,
  rt: IntakeRuntime,
  partner: Partner,
  input: {
    answers: unknown;
    extra: string;
    idempotencyKey: string | undefined;
    within: (trx: Db, created: { caseId: string; ref: string }) => Promise<void>;
  },
): Promise<{ caseRef: string; codename: string; replay: boolean }> {
  const keyring = ctx.vault.requireKeyring();
  if ((await admitShared([[rt.limits.partner, partner.id]])) !== undefined) {
    throw new AppError('rate_limited', 'partner rate limit', { retryAfter: rt.limits.partner.retryAfter() });
  }
  let answers: IntakeAnswers;
  try {
    if (input.idempotencyKey === undefined || !idempotencyKeySchema.safeParse(input.idempotencyKey).success) {
      throw new AppError('validation_failed', 'missing or bad Idempotency-Key', {
        fields: { 'Idempotency-Key': 'form.error.invalid' },
      });
    }
    answers = { ...parseAnswers(input.answers), applicantType: 'family' };
  } catch (error) {
    await auditPartnerCall(ctx, partner, 'intake.partner_rejected', null, 'validation failed');
    throw error;
  }
  const token = `partner-family|${partner.id}|${input.idempotencyKey}`;
  const keyHash = keyedDigest(keyring, 'idempotency', token);
  const reqHash = keyedDigest(keyring, 'request', JSON.stringify([answers, input.extra]));
  const codename = codenameFromToken(keyring, token);
  const result = await once(rt, keyHash, reqHash, async () => {
    const previous = await findReplay(ctx, keyHash, reqHash);
    if (previous !== undefined) return previous;
    const credentials = await deriveOrBusy(ctx, codename);
    try {
      const rows = prepareCase(ctx, answers, 'partner');
      return await rt.queue.enqueue(
        {
          rows,
          channel: 'partner',
          partnerId: partner.id,
          codename: { lookupId: credentials.lookupId, caseEnc: credentials.sealCaseId(rows.caseId) },
          idempotency: { keyHash, requestHash: reqHash },
          within: input.within,
        },
        { proven: true },
      );
    } finally {
      credentials.dispose();
    }
  });
  await settlePartnerReplay(ctx, partner, result);
  return { caseRef: result.ref, codename, replay: result.replay };
}

// ---------------------------------------------------------------------------------------------
// Signing in, inbox, messages

/** Checks a codename; returns the case id. Wrong or unknown codenames are one answer. */
export async function signInWithCodename(
  ctx: AppContext,
  rt: IntakeRuntime,
  codename: string,
  clientKey: string,
): Promise<string> {
  const keyring = ctx.vault.requireKeyring();
  // The client's own allowance first; only an admitted attempt counts against everyone's, so
  // one flooding client (or Tor circuit) cannot lock the other applicants out (ADR 0088).
  const refusedBy = await admitShared([
    [rt.limits.signInClient, clientKey],
    [rt.limits.signInGlobal, 'all'],
  ]);
  if (refusedBy !== undefined) {
    throw new AppError('rate_limited', 'codename sign-in limit', { retryAfter: refusedBy.retryAfter() });
  }
  const digits = normaliseCodename(codename);
  if (digits === undefined) throw new AppError('invalid_credentials', 'malformed codename');
  void keyring;
  const credentials = await deriveOrBusy(ctx, digits);
  try {
    const row = await findCodename(ctx.database.db, credentials.lookupId);
    const caseId = row === undefined ? undefined : credentials.openCaseId(Buffer.from(row.case_enc));
    if (caseId === undefined) throw new AppError('invalid_credentials', 'unknown codename');
    return caseId;
  } finally {
    credentials.dispose();
  }
}

export interface InboxMessage {
  id: string;
  fromApplicant: boolean;
  body: string;
  on: string;
}

/** The applicant's own conversation (authenticated by codename: the caller passes their case id). */
export async function readInbox(ctx: AppContext, caseId: string): Promise<InboxMessage[]> {
  const messages = await listApplicantVisibleMessages(ctx, caseId);
  return messages.map((m) => ({
    id: m.id,
    fromApplicant: m.direction === 'in',
    body: m.body,
    on: m.createdOn,
  }));
}

const messageText = textField(MESSAGE_MAX);

/** A message from the applicant into their own case. */
export async function sendApplicantMessage(
  ctx: AppContext,
  rt: IntakeRuntime,
  caseId: string,
  body: unknown,
): Promise<void> {
  ctx.vault.requireKeyring();
  const parsed = messageText.safeParse(body);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'invalid message', { fields: { body: 'form.error.invalid' } });
  }
  if (parsed.data === '') {
    throw new AppError('validation_failed', 'empty message', { fields: { body: 'inbox.error.empty' } });
  }
  if ((await admitShared([[rt.limits.messages, caseId]])) !== undefined) {
    throw new AppError('rate_limited', 'applicant message limit', {
      retryAfter: rt.limits.messages.retryAfter(),
    });
  }
  await addApplicantMessage(ctx, caseId, parsed.data);
}

export { fieldErrors };

/**
 * Stores one applicant's codename credentials for a case created in the caller's transaction
 * (the high-assurance path opens its cases itself, ADR 0158). False when the codename is
 * already taken (two random codenames coincided): the caller must not link a second case.
 */
export async function storeApplicantCodename(
  trx: Db,
  credentials: { lookupId: Buffer; caseEnc: Buffer },
): Promise<boolean> {
  const { codenameConflicts } = await insertSubmissionBatch(trx, {
    codenames: [{ lookup_id: credentials.lookupId, case_enc: credentials.caseEnc }],
    telegramLinks: [],
  });
  return codenameConflicts === 0;
}
