import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor } from '../src/access/index.ts';
import { buildApp } from '../src/app.ts';
import { buildConfig } from '../src/config/config.ts';
import type { AppContext } from '../src/context.ts';
import { openDatabase } from '../src/db/database.ts';
import { writeCheckpoint } from '../src/modules/admin/admin-channel.ts';
import {
  breakGlass,
  decideApproval,
  listBreakGlassReview,
  reviewBreakGlass,
} from '../src/modules/case-access/index.ts';
import {
  addApplicantMessage,
  addNote,
  addReply,
  addTask,
  assignCase,
  changeStatus,
  createCase,
  getCaseFile,
  normaliseDocumentNumber,
  requestBulkExport,
  subjectOf,
  updatePerson,
} from '../src/modules/cases/index.ts';
import { saveReplyDraft } from '../src/modules/cases/case-drafts.service.ts';
import { decryptJson } from '../src/modules/cases/case-helpers.ts';
import { withSubjectKey } from '../src/modules/keys/index.ts';
import { type SendMail, sendDueDigests, setMyEmailChoice } from '../src/modules/notifications/index.ts';
import {
  confirmTestimony,
  consentGrid,
  editTestimony,
  listCaseEvidence,
  openOriginal,
  prepareRedaction,
  readCustody,
  readRedaction,
  readTestimony,
  recordCustodyEvent,
  recordConsent as recordEvidenceConsent,
  recordTestimony,
  addLink as addEvidenceLink,
  listLinked as listEvidenceLinked,
} from '../src/modules/evidence/index.ts';
import { issueContactCode } from '../src/modules/high-assurance/index.ts';
import { addCaseDocument, intakeRuntimeOf, issuePartnerToken } from '../src/modules/intake/index.ts';
import {
  addScheduleItem,
  createRewardClaim,
  createTransfer,
  getReconciliation,
  importStatement,
  openAccount,
  recordAuthenticitySignal,
  requestDisbursement,
  saveStatementMapping,
} from '../src/modules/ledger/index.ts';
import {
  createPartner,
  createReferral,
  messageCaseworker,
  messagePartner,
  recordConsent,
  respondToReferral,
  sendReferral,
} from '../src/modules/referrals/index.ts';
import {
  decideProposal,
  fileStaffRequest,
  listProposals,
  recordConsent as recordTracingConsent,
} from '../src/modules/tracing/index.ts';
import { decideSignal } from '../src/modules/vetting/vetting.service.ts';
import { importWatchlist } from '../src/modules/vetting/watchlist.service.ts';
import { createLogger } from '../src/platform/logging.ts';
import { createAppJobRunner } from '../src/server.ts';
import { renameOwnKey } from '../src/modules/auth/webauthn.service.ts';
import { buildStaff, Client, signInClient } from './support/app.ts';
import {
  bytesContain,
  encodingsOf,
  filesContaining,
  filesContainingEach,
  readIfPresent,
} from './support/canary.ts';
import { dbMode, testDb } from './support/db.ts';
import { jpegWithRealExif } from './support/evidence.ts';
import { buildCase, buildTeam, staffActor } from './support/factories.ts';
import { jpegWithExif, PDF_OK } from './support/file-fixtures.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from './support/intake.ts';
import { multipart } from './support/multipart.ts';
import { insertTestKey } from './support/webauthn.ts';

/**
 * The seized disk: everything Sanctuary writes (database files, data directory, backups,
 * exports, logs) is searched, as raw bytes and in common encodings, for unique canary
 * strings placed in staff and case data. None may appear.
 */
const run = Math.random().toString(36).slice(2, 10);
const canaries = {
  staffEmail: `canary.staff.${run}@example.org`,
  givenName: `Канарейкин${run}`,
  familyName: `Canaryfamily${run}`,
  phone: `+7912${run.replace(/\D/g, '').padEnd(7, '5').slice(0, 7)}`,
  story: `story-canary-${run} мне пришла повестка`,
  note: `note-canary-${run} internal`,
  message: `message-canary-${run} я в Ереване`,
  answer: `answer-canary-${run}`,
  // What an applicant sends through the web: the story, a message, and a photo whose
  // metadata holds a location (kept as the evidence original too), under a telling name.
  applicantStory: `applicant-story-${run} я дезертир`,
  applicantMessage: `applicant-message-${run}`,
  photoLocation: `L${run}`.padEnd(15, 'Q').slice(0, 15),
  photoName: `passport-${run}`,
  // Every other free text staff type and Sanctuary stores (issue 12, finding 8): replies,
  // task titles, the reasons of break-glass, its review, closing, reopening, a "not genuine"
  // closing put to four eyes, a bulk export and a vetting decision, and a watchlist's label
  // and entries.
  reply: `reply-canary-${run} встречаемся в Тбилиси`,
  taskTitle: `task-canary-${run} позвонить адвокату`,
  breakGlassReason: `break-glass-canary-${run} брат звонил на горячую линию`,
  breakGlassReviewNote: `review-note-canary-${run} обоснованно`,
  closeReason: `close-reason-canary-${run} потеряна связь`,
  reopenReason: `reopen-reason-canary-${run} снова написал`,
  notGenuineReason: `not-genuine-canary-${run} подставной`,
  bulkExportReason: `bulk-export-canary-${run} для юриста`,
  vettingReason: `vetting-reason-canary-${run} тот же человек`,
  watchlistLabel: `watchlist-label-canary-${run}`,
  watchlistSource: `watchlist-source-canary-${run}`,
  watchlistName: `Watchlistname${run}`,
  // The ledger (issue 15): payment details of a disbursement, the equipment described in a
  // reward claim, and an authenticity signal (what the person brought).
  paymentDetails: `GE29PAYCANARY${run}`,
  // A reward claim's own payment details (a wallet address), sealed like a disbursement's.
  rewardPaymentDetails: `wallet-canary-${run}`,
  rewardDescription: `reward-canary-${run} радиостанция Р-168`,
  authenticityDescription: `authenticity-canary-${run} карта минных полей`,
  // An imported bank statement: the canary is in the counterparty (a name), the payment
  // reference, and a description column the mapping does not use (one canary, one scan).
  statementLine: `statement-canary-${run}`,
  // The referral network (issue 14): a host's details, and a referral's note, messages and reason.
  partnerName: `partner-name-canary-${run}`,
  partnerCity: `Partnercity${run}`,
  partnerContact: `@partner-contact-${run}`,
  partnerNotes: `partner-notes-canary-${run} ключ под ковриком`,
  partnerVoucher: `partner-voucher-canary-${run}`,
  hostGivenName: `Хозяин${run}`,
  hostFamilyName: `Hostfamily${run}`,
  referralNote: `referral-note-canary-${run} приезжают с детьми`,
  referralMessage: `referral-message-canary-${run} адрес: улица`,
  declineReason: `decline-reason-canary-${run} нет мест`,
  // Evidence (issue 16): testimony, interviewer's notes, confirmation, consent notes, custody.
  testimonyEvents: `testimony-canary-${run} колонну вёл комбат`,
  interviewerNotes: `interviewer-notes-canary-${run} волновался`,
  testimonyConfirmation: `confirmation-canary-${run} прочитано вслух`,
  consentNotes: `consent-notes-canary-${run} только псевдоним`,
  custodyReason: `custody-reason-canary-${run} передано адвокату`,
  redactionPseudonym: `pseudonym-canary-${run}`,
  exifMake: `exif-canary-${run}`,
  // A unit and a commander an evidence item names (ADR 0199): one canary in both names.
  linkedName: `linked-name-canary-${run} в/ч`,
  tracingName: `Tracingname${run}`,
  tracingUnit: `tracing-unit-canary-${run} в/ч`,
  tracingPlace: `tracing-place-canary-${run} Белгород`,
  tracingSafeContact: `tracing-safe-contact-canary-${run} только здесь`,
  tracingMessage: `tracing-message-canary-${run} мама, я жив`,
  tracingContact: `tracing-contact-canary-${run}`,
  // Tracing through the partner API (ADR 0161): the sought person and how to reach the family.
  tracingPartnerName: `Partnertraced${run}`,
  tracingPartnerUnit: `tracing-partner-unit-canary-${run}`,
  tracingPartnerSafeContact: `tracing-partner-safe-canary-${run} only the hotline`,
  // The high-assurance path (issue 20 item 6): a contact code's label, and what its holder writes.
  contactCodeLabel: `contact-label-canary-${run} через посла`,
  contactMessage: `contact-message-canary-${run} я советник посольства`,
  keyName: `key-name-canary-${run} телефон Маши`,
  // Issue 21 (last session): a reply draft left unsent (ADR 0181), an identity document as the
  // structured form sends it (ADR 0182: its number as typed and as search normalises it; its
  // issue and expiry dates), the organisation's staff-only contact person (ADR 0193) and an
  // applicant's answers to the organisation's own questions (ADR 0195).
  replyDraft: `reply-draft-canary-${run} черновик: приезжайте в среду`,
  documentNumber: `pp-${run}`,
  documentNumberNormalised: normaliseDocumentNumber(`pp-${run}`),
  documentIssuedOn: '2009-09-14',
  documentValidUntil: '2029-09-13',
  organisationContact: `org-contact-canary-${run} Мария, +49 170 555`,
  customAnswerShort: `org-question-canary-${run}`,
  customAnswerLong: `custom-long-canary-${run} живу у тёти в Казани`,
};

/** The run's token as search normalises a document number (upper case). */
const RUN = run.toUpperCase();

/**
 * Looks for canaries under `dir`, reading it once for this run's token (as written and upper
 * case, the form search normalises a document number to) and for the few canaries that hold
 * neither (the phone number, the document's dates, the codename, the contact code): a file can
 * hold a canary with the token, in any encoding the scanner knows, only if it holds the token
 * in that encoding. Each such canary is then looked for in those files only (the same answer
 * as `filesContaining`, for a fraction of the reading).
 */
function canaryFinder(
  dir: string,
  tokenFree: () => readonly string[] = () => [],
): (canary: string) => string[] {
  let found: Map<string, string[]> | undefined;
  return (canary) => {
    found ??= filesContainingEach(dir, [run, RUN, ...tokenFree()]);
    const token = canary.includes(run) ? run : canary.includes(RUN) ? RUN : undefined;
    if (token === undefined) return found.get(canary) ?? filesContaining(dir, canary);
    return found.get(token)!.filter((path) => {
      const bytes = readIfPresent(path);
      return bytes !== undefined && bytesContain(bytes, canary);
    });
  };
}

/** The contact code issued in the run (only its keyed hash may be stored). */
let contactCode = '';

/**
 * The high-assurance path: a restricted team's coordinator issues a labelled contact code, and
 * its holder opens a conversation with it through the contact page, with a first message.
 */
async function typeHighAssurance(ctx: AppContext, app: Parameters<typeof signInClient>[0]): Promise<void> {
  const coordinator = await buildStaff(ctx, 'coordinator');
  const teamId = await buildTeam(ctx, { restricted: true, members: [coordinator.id] });
  const issued = await issueContactCode(ctx, staffActor(coordinator), {
    teamId,
    label: canaries.contactCodeLabel,
  });
  contactCode = issued.code;
  const holder = new Client(app, '10.7.7.7');
  const page = (await holder.get('/contact?lang=ru')).body;
  const res = await holder.post('/contact?lang=ru', {
    challenge: /name="challenge" value="([^"]+)"/.exec(page)![1]!,
    form_token: /name="form_token" value="([^"]+)"/.exec(page)![1]!,
    code: issued.code,
    message: canaries.contactMessage,
  });
  expect(res.statusCode).toBe(200);
}

/**
 * The referral network's fields, through the real services: a host added with its details,
 * vetted, a referral with a note consented to and sent, a message each way, and a decline with
 * its reason. Each is checked to have been stored.
 */
async function typeReferralFields(ctx: AppContext, coordinator: StaffActor, ref: string): Promise<void> {
  const { id: partnerId } = await createPartner(ctx, coordinator, {
    kind: 'host',
    name: canaries.partnerName,
    givenName: canaries.hostGivenName,
    familyName: canaries.hostFamilyName,
    country: 'GE',
    city: canaries.partnerCity,
    capacityPlaces: '3',
    contactMethod: 'signal',
    contact: canaries.partnerContact,
    notes: canaries.partnerNotes,
    voucherNote: canaries.partnerVoucher,
  });
  const officer = await buildStaff(ctx, 'vetting_officer');
  const host = await buildStaff(ctx, 'partner');
  await ctx.database.db
    .updateTable('partners')
    .set({ vetting_status: 'vetted', vetted_by: officer.id })
    .where('id', '=', partnerId)
    .execute();
  await ctx.database.db
    .insertInto('partner_members')
    .values({ staff_id: host.id, partner_id: partnerId })
    .execute();
  const made = await createReferral(ctx, coordinator, ref, {
    partnerId,
    people: '3',
    note: canaries.referralNote,
  });
  await recordConsent(ctx, coordinator, ref, made.id, {
    fields: ['people', 'note'],
    via: 'phone',
    on: '2026-12-01',
  });
  await sendReferral(ctx, coordinator, ref, made.id);
  await messagePartner(ctx, coordinator, ref, made.id, { body: canaries.referralMessage });
  const hostActor = staffActor(host);
  await messageCaseworker(ctx, hostActor, made.id, { body: canaries.referralMessage });
  expect(
    await respondToReferral(ctx, hostActor, made.id, { decision: 'decline', reason: canaries.declineReason }),
  ).toBe('declined');
}

/**
 * Evidence (issue 16): a testimony in two versions, confirmed; a photo kept as evidence whose
 * EXIF names the camera; a consent with notes; a custody event with a reason. Each is read
 * back first, so the scan cannot pass because a step stored nothing.
 */
async function typeEvidence(ctx: AppContext, actor: StaffActor, ref: string): Promise<void> {
  const fields = {
    language: 'ru',
    witnessName: canaries.givenName,
    witnessRole: 'driver',
    unit: 'unit',
    datesAndPlaces: 'spring',
    events: canaries.testimonyEvents,
    personsInvolved: '',
    knowledge: ['saw'],
    knowledgeDetail: '',
    interviewerNotes: canaries.interviewerNotes,
  };
  const { id } = await recordTestimony(ctx, actor, ref, fields);
  await editTestimony(ctx, actor, id, { ...fields, knowledge: ['saw', 'heard'] });
  const { itemId } = await confirmTestimony(ctx, actor, id, {
    version: 2,
    how: canaries.testimonyConfirmation,
  });
  await addCaseDocument(ctx, intakeRuntimeOf(ctx), actor, ref, {
    data: jpegWithRealExif(canaries.exifMake),
    fileName: 'photo.jpg',
    asEvidence: 'staff_upload',
  });
  await recordEvidenceConsent(ctx, actor, itemId, {
    destination: 'icc_otp',
    status: 'given',
    how: 'written',
    identity: 'pseudonym',
    notes: canaries.consentNotes,
  });
  await recordCustodyEvent(ctx, actor, itemId, { action: 'transferred', reason: canaries.custodyReason });
  // A redaction's pseudonym (and the pseudonymised copy it makes) is case data too.
  const redaction = await prepareRedaction(ctx, actor, itemId, { pseudonym: canaries.redactionPseudonym });
  // Units and commanders an item names (ADR 0199): names under the case key, a blind index only.
  const commander = `Полковник ${canaries.linkedName}`;
  await addEvidenceLink(ctx, actor, itemId, { kind: 'unit', name: canaries.linkedName });
  await addEvidenceLink(ctx, actor, itemId, { kind: 'commander', name: commander });
  const read = JSON.stringify([
    await listEvidenceLinked(ctx, actor, { kind: 'unit', name: canaries.linkedName }),
    await listEvidenceLinked(ctx, actor, { kind: 'commander', name: commander }),
    await readTestimony(ctx, actor, id),
    await consentGrid(ctx, actor, ref),
    await readCustody(ctx, actor, itemId),
    await readRedaction(ctx, actor, redaction.id),
  ]);
  for (const c of [
    canaries.testimonyEvents,
    canaries.interviewerNotes,
    canaries.testimonyConfirmation,
    canaries.consentNotes,
    canaries.custodyReason,
    canaries.redactionPseudonym,
    canaries.linkedName,
    commander,
  ]) {
    expect(read).toContain(c);
  }
  const photo = (await listCaseEvidence(ctx, actor, ref)).find((i) => i.channel === 'staff_upload')!;
  expect(JSON.stringify((await openOriginal(ctx, actor, photo.id, 'check')).metadata)).toContain(
    canaries.exifMake,
  );
}

/**
 * Issue 21's case-file fields (ADRs 0181-0182), through the real services: an identity document
 * in the structured form (number, country, issue and expiry), and a reply draft left unsent,
 * with a template that greets the person by name inserted after the typed text. Both are read
 * back through the case file first, so the scan cannot pass because nothing was stored.
 */
async function typeCaseFileFields(ctx: AppContext, coordinator: StaffActor, ref: string): Promise<void> {
  await updatePerson(ctx, coordinator, ref, {
    version: await versionOf(ctx, ref),
    givenName: canaries.givenName,
    familyName: canaries.familyName,
    phone: canaries.phone,
    docType: ['international_passport'],
    docNumber: [canaries.documentNumber],
    docCountry: ['ru'],
    docIssued: [canaries.documentIssuedOn],
    docUntil: [canaries.documentValidUntil],
  });
  await saveReplyDraft(ctx, coordinator, ref, {
    body: canaries.replyDraft,
    op: 'insert',
    template: 'acknowledge',
    tlang: 'ru',
  });
  const file = await getCaseFile(ctx, coordinator, ref);
  expect(file.content?.replyDraft).toContain(canaries.replyDraft);
  expect(file.content?.replyDraft).toContain(canaries.givenName);
  expect(file.content?.person.documents).toEqual([
    {
      type: 'international_passport',
      number: canaries.documentNumber,
      country: 'RU',
      issuedOn: canaries.documentIssuedOn,
      validUntil: canaries.documentValidUntil,
    },
  ]);
}

/**
 * The organisation's settings (ADRs 0193, 0195), as an administrator sends them: a staff-only
 * contact person, and two questions of its own (short and long text), published so that the
 * applicant below answers them. The administrator's page shows the contact person back.
 */
async function typeOrganisation(ctx: AppContext, client: Client): Promise<void> {
  const page = await client.get('/staff/organisation?lang=ru');
  const csrf = Client.csrfOf(page.body);
  const saved = await client.post('/staff/organisation/draft?lang=ru', {
    _csrf: csrf,
    name_ru: 'Выход',
    contact_person: canaries.organisationContact,
    q1_type: 'short_text',
    q1_label_ru: 'Где вы сейчас?',
    q2_type: 'long_text',
    q2_label_ru: 'Кто может вам помочь?',
  });
  expect(saved.statusCode).toBe(303);
  const draft = await ctx.database.db
    .selectFrom('organisation_versions')
    .select('version')
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  expect(
    (
      await client.post('/staff/organisation/publish?lang=ru', {
        _csrf: csrf,
        version: String(draft.version),
      })
    ).statusCode,
  ).toBe(303);
  expect((await client.get('/staff/organisation?lang=ru')).body).toContain(
    canaries.organisationContact.split(',')[0],
  );
}

/** Every case's intake answers, decrypted (to check that the applicant's answers were stored). */
async function allIntakeAnswers(ctx: AppContext): Promise<string> {
  const rows = await ctx.database.db.selectFrom('cases').select(['id', 'intake_enc']).execute();
  const answers = await Promise.all(
    rows.map((r) =>
      withSubjectKey(ctx, subjectOf(r.id), (key) =>
        JSON.stringify(decryptJson(key, r.intake_enc, 'cases', 'intake', r.id, {})),
      ),
    ),
  );
  return answers.join('\n');
}

/** The case's current version, for the next edit. */
async function versionOf(ctx: AppContext, ref: string): Promise<string> {
  const row = await ctx.database.db
    .selectFrom('cases')
    .select('version')
    .where('ref', '=', ref)
    .executeTakeFirstOrThrow();
  return String(row.version);
}

/**
 * Staff type every other free-text field through the real services: a reply, a task, a
 * close and a reopen with reasons, a "not genuine" closing for four eyes (rejected), a bulk
 * export request, a break-glass and its review, a vetting decision on a duplicate signal, and
 * a watchlist import. Each is checked to have been stored, so the scan below cannot pass
 * because a step silently did nothing.
 */
async function typeEveryOtherFreeText(
  ctx: AppContext,
  coordinator: StaffActor,
  admin: StaffActor,
  ref: string,
): Promise<void> {
  await addReply(ctx, coordinator, ref, { body: canaries.reply });
  await addTask(ctx, coordinator, ref, { kind: 'call', title: canaries.taskTitle, dueOn: '2027-01-10' });
  await changeStatus(ctx, coordinator, ref, {
    version: await versionOf(ctx, ref),
    to: 'closed',
    closingReason: 'lost_contact',
    reason: canaries.closeReason,
  });
  await changeStatus(ctx, coordinator, ref, {
    version: await versionOf(ctx, ref),
    to: 'triaged',
    reason: canaries.reopenReason,
  });
  const fourEyes = await changeStatus(ctx, coordinator, ref, {
    version: await versionOf(ctx, ref),
    to: 'closed',
    closingReason: 'not_genuine',
    reason: canaries.notGenuineReason,
  });
  expect(fourEyes.applied).toBe(false);
  await decideApproval(ctx, admin, fourEyes.approvalId, 'reject');
  await requestBulkExport(ctx, coordinator, { refs: ref, reason: canaries.bulkExportReason });

  const caseworker = staffActor(await buildStaff(ctx, 'caseworker'));
  await breakGlass(ctx, caseworker, { ref, reason: canaries.breakGlassReason });
  const grant = (await listBreakGlassReview(ctx, coordinator)).find((g) => g.ref === ref);
  expect(grant?.reason).toBe(canaries.breakGlassReason);
  await reviewBreakGlass(ctx, coordinator, grant?.id, { note: canaries.breakGlassReviewNote });

  // A second case with the same phone: the linkage job raises a signal an officer decides.
  await createCase(
    ctx,
    { kind: 'applicant' },
    {
      person: { givenName: 'Иван', familyName: 'Другой', phone: canaries.phone },
      story: 'second',
      urgency: 1,
    },
  );
  await createAppJobRunner(ctx).runUntilIdle();
  const officer = staffActor(await buildStaff(ctx, 'vetting_officer'));
  const signal = await ctx.database.db
    .selectFrom('vetting_signals')
    .select(['id', 'version'])
    .executeTakeFirst();
  expect(signal, 'the linkage job raised no signal to decide').toBeDefined();
  await decideSignal(ctx, officer, signal?.id, {
    version: String(signal?.version),
    decision: 'more_info',
    reason: canaries.vettingReason,
  });
  const entry = {
    id: 'w1',
    givenName: canaries.watchlistName,
    familyName: 'Listed',
    birthDate: '1980-01-01',
  };
  await importWatchlist(ctx, officer, {
    label: canaries.watchlistLabel,
    source: canaries.watchlistSource,
    secret: '',
    file: Buffer.from(`${JSON.stringify(entry)}\n`),
    truncated: false,
  });

  // Family tracing: a request on a family case matches the sought person's case; his consent
  // passes on his message (and his contact, which he allowed).
  const sought = await buildCase(ctx, {
    assigneeId: coordinator.id,
    person: {
      givenName: 'Сергей',
      familyName: canaries.tracingName,
      birthDate: '1999-03-14',
      documents: [],
      family: [],
    },
  });
  const family = await buildCase(ctx, {
    applicantType: 'family',
    assigneeId: coordinator.id,
    person: { documents: [], family: [] },
  });
  await createAppJobRunner(ctx).runUntilIdle();
  await fileStaffRequest(
    ctx,
    coordinator,
    {
      case: family.ref,
      family_name: canaries.tracingName,
      given_name: 'Сергей',
      birth_date: '1999-03-14',
      unit: canaries.tracingUnit,
      last_place: canaries.tracingPlace,
      relationship: 'mother',
      safe_contact: canaries.tracingSafeContact,
    },
    'ru',
  );
  const proposal = (await listProposals(ctx, coordinator)).find((p) => p.soughtRef === sought.ref);
  expect(proposal?.sought.unit).toBe(canaries.tracingUnit);
  await decideProposal(ctx, coordinator, proposal?.id, 'confirmed');
  await recordTracingConsent(ctx, coordinator, proposal?.id, {
    decision: 'given',
    method: 'phone',
    allows: ['alive', 'message', 'contact'],
    message: canaries.tracingMessage,
    contact: canaries.tracingContact,
  });
  const consent = await ctx.database.db.selectFrom('tracing_consents').selectAll().executeTakeFirstOrThrow();
  expect(consent.message_enc).not.toBeNull();
  expect(consent.contact_enc).not.toBeNull();
  await typeLedgerSecrets(ctx, coordinator, admin, ref);
}

/** A disbursement with payment details, a reward claim and an authenticity signal, through the ledger's services. */
async function typeLedgerSecrets(
  ctx: AppContext,
  coordinator: StaffActor,
  admin: StaffActor,
  ref: string,
): Promise<void> {
  const cli = { kind: 'cli', id: 'cli' } as const;
  const open = (kind: 'holding' | 'funding' | 'budget') =>
    openAccount(ctx, cli, { kind, code: `canary:${kind}`, label: kind, currency: 'EUR' });
  const [bank, grant, budget] = [await open('holding'), await open('funding'), await open('budget')];
  for (const [kind, debit, credit] of [
    ['deposit', bank.id, grant.id],
    ['allocation', grant.id, budget.id],
  ] as const) {
    await createTransfer(ctx, cli, {
      id: randomUUID(),
      kind,
      debitAccountId: debit,
      creditAccountId: credit,
      amount: 1_000_000,
      currency: 'EUR',
    });
  }
  // Due in a month from today: a fixed date would be refused as past once the calendar reaches it.
  const dueOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const common = { caseRef: ref, budgetAccountId: budget.id, channel: 'bank_transfer', dueOn };
  await requestDisbursement(ctx, coordinator, {
    ...common,
    id: randomUUID(),
    amount: '100',
    purpose: 'ticket',
    paymentKind: 'iban',
    paymentDetails: canaries.paymentDetails,
  });
  const scheduleId = await addScheduleItem(ctx, admin, {
    code: 'radio',
    label: 'Radio',
    amount: '50',
    currency: 'EUR',
  });
  await createRewardClaim(ctx, coordinator, {
    ...common,
    id: randomUUID(),
    scheduleId,
    description: canaries.rewardDescription,
    paymentKind: 'wallet',
    paymentDetails: canaries.rewardPaymentDetails,
  });
  await recordAuthenticitySignal(ctx, coordinator, {
    caseRef: ref,
    kind: 'information',
    description: canaries.authenticityDescription,
  });
  const stored = await ctx.database.db.selectFrom('ledger_reward_claims').select('disbursement_id').execute();
  expect(stored.length, 'the reward claim was not stored').toBe(1);
  const sealed = await ctx.database.db
    .selectFrom('ledger_disbursements')
    .select('id')
    .where('payment_details_enc', 'is not', null)
    .execute();
  expect(sealed.length, 'the payment details were not both stored').toBe(2);
  // A bank statement of the holding, imported with a saved column mapping.
  await saveStatementMapping(ctx, cli, {
    holdingAccountId: bank.id,
    delimiter: ';',
    dateColumn: 'Дата',
    amountColumn: 'Сумма',
    referenceColumn: 'Назначение',
    counterpartyColumn: 'Контрагент',
    dateFormat: 'DD.MM.YYYY',
    decimalSeparator: ',',
  });
  const statement = [
    'Дата;Сумма;Назначение;Контрагент;Описание',
    `02.12.2026;-100,00;билет ${canaries.statementLine} Тбилиси;Иванов ${canaries.statementLine};для семьи ${canaries.statementLine}`,
    '03.12.2026;10 000,00;Donation;Fondation;',
  ].join('\r\n');
  const imported = await importStatement(ctx, cli, {
    holdingAccountId: bank.id,
    file: Buffer.from(statement),
  });
  expect(imported.newLines, 'the statement lines were not stored').toBe(2);
  const shown = JSON.stringify(await getReconciliation(ctx, cli, bank.id));
  expect(shown, 'the statement line is not readable through the service').toContain(
    `Иванов ${canaries.statementLine}`,
  );
}

describe('seized disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-seized-'));
  const logs: string[] = [];
  let caseRef = '';
  let codename = '';
  let attachmentBlobs = 0;
  let backupPath = '';
  const mails: Array<Parameters<SendMail>[0]> = [];
  let caseRefs: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(chunk.toString('utf8'));
        cb();
      },
    });
    // On PGlite the database lives in the data directory, on real files; on PostgreSQL
    // it is a fresh database on the CI cluster, whose files are searched too.
    const pgDatabase = dbMode() === 'postgres' ? await testDb() : undefined;
    const config = buildConfig({
      dataDir,
      devAutoUnseal: true,
      logLevel: 'debug',
      intake: intakeTestConfig(),
      // E-mail digests on (ADR 0188); the test takes what would be sent instead of an SMTP server.
      mail: { smtpUrl: 'smtp://127.0.0.1:25', from: 'sanctuary@example.org', digestMinutes: 60 },
      ...(pgDatabase?.url ? { databaseUrl: pgDatabase.url } : {}),
    });
    const app = await buildApp(config, {
      logger: createLogger('debug', sink),
      ...(pgDatabase ? { database: pgDatabase } : {}),
    });
    const ctx = app.sanctuary;
    const staff = await buildStaff(ctx, 'admin', canaries.staffEmail);
    const client = await signInClient(app, staff);
    await client.get('/staff/admin');
    // A security key's name (ADR 0172), renamed through the real service.
    await renameOwnKey(ctx, staffActor(staff), await insertTestKey(ctx, staff.id), {
      name: canaries.keyName,
    });
    const created = await createCase(
      ctx,
      { kind: 'applicant' },
      {
        person: { givenName: canaries.givenName, familyName: canaries.familyName, phone: canaries.phone },
        story: canaries.story,
        answers: { needs: canaries.answer },
        urgency: 2,
      },
    );
    caseRef = created.ref;
    await addApplicantMessage(ctx, created.id, canaries.message);
    // A coordinator is assigned the case by another (ADR 0094) and writes an internal note,
    // through the real services.
    const coordinator = await buildStaff(ctx, 'coordinator');
    const assigner = await buildStaff(ctx, 'coordinator');
    const actor: StaffActor = {
      kind: 'staff',
      id: coordinator.id,
      role: 'coordinator',
      sessionHash: Buffer.alloc(32),
    };
    // The coordinator asks for e-mail digests of new cases and messages (ADR 0188).
    expect(await setMyEmailChoice(ctx, actor, { digest: 'on' })).toBe(true);
    const { version } = await ctx.database.db
      .selectFrom('cases')
      .select('version')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    await assignCase(ctx, { ...actor, id: assigner.id }, created.ref, {
      version: String(version),
      assigneeId: coordinator.id,
    });
    await addNote(ctx, actor, created.ref, { body: canaries.note });
    const file = JSON.stringify(await getCaseFile(ctx, actor, created.ref));
    for (const value of [canaries.story, canaries.note, canaries.givenName]) expect(file).toContain(value);
    await typeEveryOtherFreeText(ctx, actor, staffActor(staff), created.ref);
    await typeReferralFields(ctx, actor, created.ref);
    await typeEvidence(ctx, actor, created.ref);
    await typeCaseFileFields(ctx, actor, created.ref);
    await typeOrganisation(ctx, client);
    // A hotline files a family member's tracing request through the partner API (ADR 0161);
    // its matching job runs (proposal bases are keyed digests).
    const { token } = await issuePartnerToken(ctx, staffActor(staff), { label: 'canary hotline' });
    const traced = await app.inject({
      method: 'POST',
      url: '/api/v1/tracing-requests',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': `canary-${run}`,
      },
      payload: JSON.stringify({
        sought: {
          familyName: canaries.tracingPartnerName,
          givenName: 'Сергей',
          birthDate: '1999-03-14',
          unit: canaries.tracingPartnerUnit,
        },
        relationship: 'sibling',
        safeContact: canaries.tracingPartnerSafeContact,
      }),
    });
    expect(traced.statusCode).toBe(201);
    await createAppJobRunner(ctx).runUntilIdle();
    await typeHighAssurance(ctx, app);
    // An applicant writes in through the web form, signs back in with the codename, sends a
    // message and uploads photos (one kept as the original, for evidence).
    const applicant = new Client(app);
    const formPage = (await applicant.get('/?lang=ru')).body;
    const form = formFieldsOf(formPage);
    // With answers to the organisation's own questions (ADR 0195), which the form now shows.
    const oqVersion = /name="oq_version" value="(\d+)"/.exec(formPage)?.[1];
    expect(oqVersion, 'the intake form does not show the organisation questions').toBeDefined();
    codename = codenameOf(
      await applicant.post('/submit?lang=ru', {
        ...form,
        story: canaries.applicantStory,
        oq_version: oqVersion!,
        oq_q1: canaries.customAnswerShort,
        oq_q2: canaries.customAnswerLong,
      }),
    );
    const answered = await allIntakeAnswers(ctx);
    expect(answered).toContain(canaries.customAnswerShort);
    expect(answered).toContain(canaries.customAnswerLong);
    expect((await signInApplicant(applicant, codename, 'ru')).statusCode).toBe(303);
    const inbox = await applicant.get('/inbox?lang=ru');
    const csrf = Client.csrfOf(inbox.body);
    expect(
      (await applicant.post('/inbox/messages?lang=ru', { _csrf: csrf, body: canaries.applicantMessage }))
        .statusCode,
    ).toBe(303);
    const withLocation = (file: Buffer) =>
      Buffer.from(file.toString('latin1').replaceAll('secret-location', canaries.photoLocation), 'latin1');
    for (const [file, name, type, keep] of [
      [withLocation(jpegWithExif()), `${canaries.photoName}.jpg`, 'image/jpeg', '1'],
      [
        Buffer.from(
          PDF_OK.toString('latin1').replace('%PDF-1.4\n', `%PDF-1.4\n% ${canaries.photoLocation}\n`),
          'latin1',
        ),
        `${canaries.photoName}.pdf`,
        'application/pdf',
        '',
      ],
    ] as const) {
      expect(file.includes(Buffer.from(canaries.photoLocation))).toBe(true);
      const body = multipart([
        { name: '_csrf', value: csrf },
        ...(keep === '' ? [] : [{ name: 'keep_original', value: keep }]),
        { name: 'file', file, filename: name, type },
      ]);
      const uploaded = await app.inject({
        method: 'POST',
        url: '/inbox/attachments?lang=ru',
        headers: { cookie: applicant.cookieHeader, 'content-type': body.contentType },
        payload: body.payload,
      });
      expect(uploaded.statusCode, name).toBe(303);
    }
    attachmentBlobs = (
      await ctx.database.db.selectFrom('intake_attachments').select(['blob_id', 'original_blob_id']).execute()
    ).flatMap((r) => [r.blob_id, r.original_blob_id].filter((b) => b !== null)).length;
    // The e-mail digests due (ADR 0188): what would reach the organisation's mail server, whose
    // spool is as seizable as this disk, so it is written beside the data and searched with it.
    const sendMail: SendMail = async (message) => {
      mails.push(message);
    };
    expect(await sendDueDigests(ctx, { now: new Date(), send: sendMail, mail: ctx.config.mail! })).toBe(1);
    writeFileSync(join(dataDir, 'mail-spool.json'), JSON.stringify(mails));
    caseRefs = (await ctx.database.db.selectFrom('cases').select('ref').execute()).map((r) => r.ref);
    await writeCheckpoint(ctx);
    backupPath = join(dataDir, 'backup');
    if (pgDatabase?.url) {
      await sql`checkpoint`.execute(ctx.database.db).catch(() => undefined);
      execFileSync('pg_dump', ['--format=plain', `--file=${backupPath}.sql`, pgDatabase.url]);
      await app.close();
      await pgDatabase.close();
    } else {
      await app.close();
      // An operator's backup of the embedded database: a dump of its data directory.
      const reopened = await openDatabase({ dataDir });
      await reopened.close();
      execFileSync('tar', ['-czf', `${backupPath}.tar.gz`, '-C', dataDir, 'pgdata']);
    }
    writeFileSync(join(dataDir, 'app.log'), logs.join(''));
  }, 180_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('can find a string that is stored in plaintext (the scanner works)', () => {
    // Case references are pseudonymous and stored in clear on purpose: a positive control.
    expect(filesContaining(dataDir, caseRef).length).toBeGreaterThan(0);
    if (dbMode() === 'postgres' && process.env.SANCTUARY_TEST_PGDATA !== undefined) {
      expect(filesContaining(process.env.SANCTUARY_TEST_PGDATA, caseRef).length).toBeGreaterThan(0);
    }
    expect(
      bytesContain(Buffer.from(`xx${Buffer.from(canaries.story).toString('base64')}yy`), canaries.story),
    ).toBe(true);
    expect(encodingsOf(canaries.story).length).toBeGreaterThanOrEqual(6);
    // The finder the canary checks use finds a canary hidden in any encoding, gzipped too.
    const planted = mkdtempSync(join(tmpdir(), 'canary-finder-'));
    try {
      writeFileSync(join(planted, 'a'), Buffer.from(Buffer.from(canaries.note).toString('hex')));
      writeFileSync(
        join(planted, 'b'),
        gzipSync(Buffer.from(`x${Buffer.from(canaries.story).toString('base64')}`)),
      );
      // A date in UTF-16, and a document number as search normalises it (upper case).
      writeFileSync(join(planted, 'c'), Buffer.from(`x${canaries.documentValidUntil}`, 'utf16le'));
      writeFileSync(join(planted, 'd'), Buffer.from(`{"n":"${canaries.documentNumberNormalised}"}`));
      const find = canaryFinder(planted, () => [canaries.documentValidUntil]);
      expect(find(canaries.note)).toEqual([join(planted, 'a')]);
      expect(find(canaries.story)).toEqual([join(planted, 'b')]);
      expect(find(canaries.message)).toEqual([]);
      expect(find(canaries.documentValidUntil)).toEqual([join(planted, 'c')]);
      expect(find(canaries.documentNumberNormalised)).toEqual([join(planted, 'd')]);
      expect(find(canaries.documentNumber)).toEqual([]);
    } finally {
      rmSync(planted, { recursive: true, force: true });
    }
    // The applicant's files are on disk (two copies of the kept photo, one of the other) and
    // the working copy of the staff's evidence photo, so the scan below covers them (the
    // evidence originals are in the database, which it covers too).
    expect(attachmentBlobs).toBe(4);
    expect(codename).toMatch(/\d/);
  });

  // The canaries without the run's token, looked for in the same one reading of the data directory.
  const tokenFree = () => [
    canaries.phone,
    canaries.documentIssuedOn,
    canaries.documentValidUntil,
    codename,
    codename.replace(/\D/g, ''),
    contactCode.replaceAll('-', ''),
  ];
  const inDataDir = (canary: string): string[] => {
    findInDataDir ??= canaryFinder(dataDir, tokenFree);
    return findInDataDir(canary);
  };
  let findInDataDir: ((canary: string) => string[]) | undefined;

  it('finds no trace of the codename anywhere under the data directory, the backup or the logs', () => {
    const digits = codename.replace(/\D/g, '');
    for (const needle of [codename, digits]) {
      expect(inDataDir(needle)).toEqual([]);
      if (dbMode() === 'postgres' && process.env.SANCTUARY_TEST_PGDATA !== undefined) {
        expect(filesContaining(process.env.SANCTUARY_TEST_PGDATA, needle)).toEqual([]);
      }
    }
  });

  it('finds no trace of the contact code anywhere under the data directory, the backup or the logs', () => {
    expect(contactCode).toMatch(/^[0-9A-Z]{4}-/);
    // The form it would be stored in (normalised) on disk; the form shown to people in the log.
    const stored = contactCode.replaceAll('-', '');
    expect(inDataDir(stored)).toEqual([]);
    if (dbMode() === 'postgres' && process.env.SANCTUARY_TEST_PGDATA !== undefined) {
      expect(filesContaining(process.env.SANCTUARY_TEST_PGDATA, stored)).toEqual([]);
    }
    expect(readFileSync(join(dataDir, 'app.log'), 'utf8')).not.toContain(contactCode);
  });

  it.each(Object.entries(canaries))(
    'finds no trace of the %s anywhere under the data directory or in the backup',
    (_name, canary) => {
      expect(inDataDir(canary)).toEqual([]);
    },
  );

  // On PostgreSQL, the server's own files (heap, WAL) are searched too: .ci/run names the
  // data directory of the cluster it started.
  it.runIf(dbMode() === 'postgres').each(Object.entries(canaries))(
    'finds no trace of the %s in the PostgreSQL server files',
    (_name, canary) => {
      const pgdata = process.env.SANCTUARY_TEST_PGDATA;
      expect(pgdata, 'SANCTUARY_TEST_PGDATA must name the cluster data directory').toBeDefined();
      expect(filesContaining(pgdata!, canary)).toEqual([]);
    },
  );

  it('sends e-mail digests that name no person, case or message (counts only)', () => {
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail?.text).toMatch(/\d+ new message\(s\) and \d+ new case\(s\)/);
    expect(mail?.text).not.toContain('0 new message(s) and 0 new case(s)');
    const content = JSON.stringify({ ...mail, to: undefined });
    for (const canary of [...Object.values(canaries), ...caseRefs, codename, contactCode]) {
      expect(content).not.toContain(canary);
    }
    expect(caseRefs.length).toBeGreaterThan(3);
  });

  it('kept the logs free of every canary', () => {
    const text = readFileSync(join(dataDir, 'app.log'), 'utf8');
    expect(text.length).toBeGreaterThan(0);
    for (const canary of Object.values(canaries)) expect(text).not.toContain(canary);
  });
});
