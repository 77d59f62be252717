import { randomUUID } from 'node:crypto';
import type { StaffActor } from '../access/index.ts';
import type { AppContext } from '../context.ts';
import { totpCode } from '../crypto/index.ts';
import type { StaffRoleName } from '../db/types.ts';
import { CASE_APPLICANT_TYPES } from '../domain/applicant.ts';
import { completeEnrolment, createStaff, getEnrolment } from '../modules/auth/index.ts';
import { findTeamByName, seedTeam } from '../modules/case-access/index.ts';
import {
  addApplicantMessage,
  addNote,
  addReply,
  addTask,
  assignCase,
  CASE_STATUSES,
  type CaseStatus,
  CLOSING_REASONS,
  changeStatus,
  createCase,
  TRANSITIONS,
} from '../modules/cases/index.ts';
import { addCaseDocument, intakeRuntimeOf } from '../modules/intake/index.ts';
import { createTransfer, openAccount, setBudgetTerms } from '../modules/ledger/index.ts';
import {
  addPartnerMember,
  createPartner,
  createReferral,
  decidePartnerVetting,
  progressReferral,
  recordConsent,
  respondToReferral,
  sendReferral,
} from '../modules/referrals/index.ts';
import { issueContactCode } from '../modules/high-assurance/index.ts';
import { publishOrganisationDraft, saveOrganisationDraft } from '../modules/organisation/index.ts';
import { fileStaffRequest } from '../modules/tracing/index.ts';
import { linkPerson } from '../modules/vetting/index.ts';
import { serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail } from './shared.ts';

const USAGE = 'sanctuary demo [--cases N]';

/**
 * Fills an empty development workspace with a synthetic organisation so that a newcomer
 * can look around after `npm start`: staff (with a known development password and TOTP
 * secrets printed once), teams and about fifty cases in every state, with tasks, notes,
 * messages and replies. Every person is invented. Everything goes through the real
 * services, so it is encrypted, indexed and audited as in production.
 */
const PASSWORD = 'demo password, never in production';

const STAFF: Array<{ email: string; role: StaffRoleName; teams: string[] }> = [
  { email: 'coordinator@demo.invalid', role: 'coordinator', teams: ['Intake & triage'] },
  { email: 'coordinator2@demo.invalid', role: 'coordinator', teams: [] },
  {
    email: 'olga.caseworker@demo.invalid',
    role: 'caseworker',
    teams: ['Intake & triage', 'Central Asia route'],
  },
  { email: 'taras.caseworker@demo.invalid', role: 'caseworker', teams: ['Caucasus route'] },
  { email: 'mila.caseworker@demo.invalid', role: 'caseworker', teams: ['EU asylum'] },
  { email: 'lawyer@demo.invalid', role: 'lawyer', teams: ['EU asylum'] },
  { email: 'vetting@demo.invalid', role: 'vetting_officer', teams: [] },
  { email: 'admin@demo.invalid', role: 'admin', teams: [] },
  { email: 'finance@demo.invalid', role: 'finance_officer', teams: [] },
  { email: 'host.tbilisi@demo.invalid', role: 'partner', teams: [] },
];
const TEAMS: Array<{ name: string; triage: boolean }> = [
  { name: 'Intake & triage', triage: true },
  { name: 'Central Asia route', triage: false },
  { name: 'Caucasus route', triage: false },
  { name: 'EU asylum', triage: false },
];

const GIVEN = ['Алексей', 'Кирилл', 'Тимур', 'Богдан', 'Роман', 'Глеб', 'Арсений', 'Вадим', 'Лев', 'Марк'];
const GIVEN_LATIN = [
  'Aleksei',
  'Kirill',
  'Timur',
  'Bogdan',
  'Roman',
  'Gleb',
  'Arsenii',
  'Vadim',
  'Lev',
  'Mark',
];
const FAMILY = [
  'Вымыслов',
  'Придумкин',
  'Небылицын',
  'Сказкин',
  'Выдумов',
  'Фантазёров',
  'Образцов',
  'Примеров',
];
const FAMILY_LATIN = [
  'Vymyslov',
  'Pridumkin',
  'Nebylitsyn',
  'Skazkin',
  'Vydumov',
  'Fantazyorov',
  'Obraztsov',
  'Primerov',
];
const STORIES = [
  'Получил повестку в военкомат; срок явки через неделю. Хочу уехать легально.',
  'Служу по контракту, часть готовят к отправке. Прошу совета, как выйти из контракта.',
  'Резервист, пришла повестка на сборы. Есть загранпаспорт, нет визы.',
  'Мой сын мобилизован, он хочет сдаться в плен. Как связаться с «Хочу жить»?',
  'Офицер, хочу уехать с семьёй. Документы у командира.',
];
const COUNTRIES = ['KZ', 'GE', 'AM', 'TR', 'RS', 'DE', 'FI', 'LT'];
/** The demo's cases are of every type a case records, except diplomats and "unknown". */
const TYPES = CASE_APPLICANT_TYPES.filter((t) => t !== 'diplomat' && t !== 'unknown');
/** One case in each status, in the workflow's order. */
const TARGETS = CASE_STATUSES;

/** A small seeded generator: the same demo every time. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The shortest way through the state machine from "new" to `target`. */
function pathTo(target: CaseStatus): CaseStatus[] {
  const queue: CaseStatus[][] = [['new']];
  const seen = new Set<CaseStatus>(['new']);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path[path.length - 1]!;
    if (last === target) return path.slice(1);
    for (const next of TRANSITIONS[last]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([...path, next]);
      }
    }
  }
  return [];
}

/** A one-page PDF with one line of text: enough to show documents on demo cases. */
function demoPdf(text: string): Buffer {
  const stream = `BT /F1 12 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, n) => {
    offsets.push(body.length);
    body += `${n + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export async function run(_args: string[], call: CliCall): Promise<number> {
  const count = call.values.cases === undefined ? 50 : Number(call.values.cases);
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    return fail(`usage: ${USAGE} (N from 1 to 1000)`, EXIT.usage);
  const config = await configOrExit({ creates: true });
  if (typeof config === 'number') return config;
  if (!config.devAutoUnseal) {
    return fail(
      'the demo is for development only (SANCTUARY_ENV=development); it never runs on a production server.',
      EXIT.refused,
    );
  }
  if (await serverIsRunning(config)) {
    return fail(
      'stop the server first: the demo writes to the database directly, then start it again.',
      EXIT.unavailable,
    );
  }
  try {
    return await withDirectContext(config, async (ctx) => {
      if ((await findTeamByName(ctx.database.db, TEAMS[0]!.name)) !== undefined) {
        process.stdout.write(
          'The demo organisation is already loaded. Sign in with the accounts printed the first time.\n',
        );
        return 0;
      }
      const lines: string[] = [];
      const staff = new Map<string, StaffActor>();
      for (const s of STAFF) {
        const created = await createStaff(ctx, { kind: 'cli', id: 'cli' }, { email: s.email, role: s.role });
        const token = new URL(created.enrolmentUrl).pathname.split('/').pop()!;
        const view = await getEnrolment(ctx, token);
        await completeEnrolment(ctx, token, {
          password: PASSWORD,
          passwordRepeat: PASSWORD,
          totp: totpCode(view.totpSecret),
        });
        staff.set(s.email, {
          kind: 'staff',
          id: created.staffId,
          role: s.role,
          sessionHash: Buffer.alloc(32),
        });
        lines.push(`  ${s.email.padEnd(32)} ${s.role.padEnd(16)} TOTP secret ${view.totpSecret}`);
      }
      const teamIds = new Map<string, string>();
      for (const team of TEAMS) {
        const members = STAFF.filter((s) => s.teams.includes(team.name)).map((s) => staff.get(s.email)!.id);
        teamIds.set(team.name, await seedTeam(ctx, { ...team, members }));
      }
      const random = rng(20261122);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
      const caseworkers = [...staff.values()].filter((s) => s.role === 'caseworker');
      const coordinator = staff.get('coordinator@demo.invalid')!;
      // Each caseworker's route team (their first team that does not triage).
      const routeTeamOf = (worker: StaffActor) => {
        const entry = STAFF.find((s) => staff.get(s.email)!.id === worker.id)!;
        const name = entry.teams.find((n) => !TEAMS.find((t) => t.name === n)!.triage)!;
        return teamIds.get(name)!;
      };
      // The assistance ledger (docs/ledger.md): a grant arrives in the bank, two budget lines get
      // their share, and some cases get a ticket paid (posted) or a bed reserved (pending).
      const finance = staff.get('finance@demo.invalid')!;
      const ledger = await seedLedger(ctx, finance);
      let transfers = 3;
      const assigned: Array<{ ref: string; worker: StaffActor }> = [];
      for (let i = 0; i < count; i += 1) {
        const g = Math.floor(random() * GIVEN.length);
        const f = Math.floor(random() * FAMILY.length);
        const created = await createCase(
          ctx,
          { kind: 'applicant' },
          {
            person: {
              givenName: GIVEN[g],
              familyName: FAMILY[f],
              givenNameLatin: GIVEN_LATIN[g],
              familyNameLatin: FAMILY_LATIN[f],
              birthDate: `${1975 + Math.floor(random() * 30)}`,
              phone: `+7 900 555-${String(1000 + i).slice(-4, -2)}-${String(1000 + i).slice(-2)}`,
              // Half as structured documents (ADR 0182), half as free text written before them.
              documents:
                random() < 0.6
                  ? [
                      i % 2 === 0
                        ? {
                            type: 'international_passport',
                            number: `75 ${1000000 + i}`,
                            country: 'RU',
                            issuedOn: '2019-04-15',
                            validUntil: `${2025 + (i % 8)}-04-15`,
                          }
                        : { type: 'загранпаспорт', number: `75 ${1000000 + i}` },
                    ]
                  : [],
              family: random() < 0.4 ? [{ relation: 'жена', name: 'Вымышленная' }] : [],
            },
            story: pick(STORIES),
            urgency: Math.floor(random() * 4),
            applicantType: pick(TYPES),
            country: pick(COUNTRIES),
            answers: { channel: 'web', needs: 'legal advice' },
          },
        );
        await addApplicantMessage(
          ctx,
          created.id,
          'Здравствуйте, это вымышленное сообщение для демонстрации.',
        );
        if (i % 3 === 1) {
          const recipient = await openAccount(ctx, finance, {
            kind: 'recipient',
            caseId: created.id,
            currency: 'EUR',
          });
          await createTransfer(ctx, finance, {
            id: randomUUID(),
            kind: 'disbursement',
            debitAccountId: i % 2 === 0 ? ledger.tickets : ledger.beds,
            creditAccountId: recipient.id,
            amount: 12_000 + 1_000 * (i % 5),
            currency: 'EUR',
            ...(i % 2 === 0 ? {} : { pendingSeconds: 7 * 86_400 }),
          });
          transfers += 1;
        }
        const target = TARGETS[i % TARGETS.length]!;
        if (target === 'new') continue;
        const worker = caseworkers[i % caseworkers.length]!;
        const teamId = routeTeamOf(worker);
        let version = 1;
        await assignCase(ctx, coordinator, created.ref, {
          version: String(version),
          teamId,
          assigneeId: worker.id,
        });
        version += 1;
        assigned.push({ ref: created.ref, worker });
        await addNote(ctx, worker, created.ref, { body: 'Internal note: invented case for the demo.' });
        await addReply(ctx, worker, created.ref, {
          body: 'Здравствуйте! Мы получили ваше сообщение и скоро ответим.',
        });
        const due = new Date(Date.now() + (Math.floor(random() * 30) - 7) * 86_400_000)
          .toISOString()
          .slice(0, 10);
        await addTask(ctx, worker, created.ref, {
          kind: pick(['summons', 'visa_free_end', 'asylum_interview', 'call'] as const),
          title: 'Demo deadline',
          dueOn: due,
          assigneeId: worker.id,
        });
        if (i % 3 === 0) {
          // A letter the caseworker filed (an invented summons), as a real office would.
          await addCaseDocument(ctx, intakeRuntimeOf(ctx), worker, created.ref, {
            data: demoPdf(`Invented summons for demo case ${created.ref}`),
            fileName: 'summons-demo.pdf',
            // Kept as an evidence item too (issue 16): hashed at arrival, with its custody.
            asEvidence: 'staff_upload',
          });
        }
        for (const to of pathTo(target)) {
          const closingReason =
            to === 'closed' ? pick(CLOSING_REASONS.filter((r) => r !== 'not_genuine')) : '';
          await changeStatus(ctx, worker, created.ref, {
            version: String(version),
            to,
            closingReason,
            reason: '',
          });
          version += 1;
        }
      }
      const referrals = await seedReferrals(ctx, staff, assigned);
      // Family tracing (docs/families.md): a mother's request in Russian, proposed for the case of
      // her son, filed in Latin script; the proposal waits for the caseworker on /staff/tracing.
      await seedTracing(ctx, caseworkers[0]!, coordinator);
      // The organisation's own name, contacts and one question on the intake form (docs/customisation.md).
      const admin = staff.get('admin@demo.invalid')!;
      await publishOrganisationDraft(ctx, admin, {
        version: String(
          await saveOrganisationDraft(ctx, admin, {
            name_ru: 'Путь домой (демо)',
            name_uk: 'Шлях додому (демо)',
            name_en: 'Way Home (demo)',
            telegram: '@wayhome_demo',
            email: 'help@demo.invalid',
            q1_type: 'yes_no',
            q1_label_ru: 'Вы сейчас в безопасном месте?',
            q1_label_uk: 'Ви зараз у безпечному місці?',
            q1_label_en: 'Are you somewhere safe right now?',
          }),
        ),
      });
      // The high-assurance path (docs/high-assurance.md): a restricted team of the coordinator and
      // one unused contact code, printed once, for the unadvertised /contact page.
      const desk = await seedTeam(ctx, { name: 'Desk 3', restricted: true, members: [coordinator.id] });
      const contact = await issueContactCode(ctx, coordinator, { teamId: desk, label: 'demo code' });
      process.stdout.write(
        [
          `Demo organisation loaded: ${TEAMS.length} teams, ${STAFF.length} staff, ${count} cases (invented people only), ${transfers} ledger transfers, ${referrals} referrals, and a family tracing request (2 more cases) waiting on /staff/tracing.`,
          '',
          `Every account's password: "${PASSWORD}"`,
          'Add each TOTP secret to an authenticator app (printed once, now):',
          ...lines,
          '',
          `A contact code of the restricted team "Desk 3" (coordinator), for /contact: ${contact.code}`,
          '',
          // The address the server will use with these settings (PORT, HOST, SANCTUARY_PUBLIC_URL).
          `Start the server with "npm run dev" (same settings) and sign in at ${config.publicUrl}/staff/login.`,
          '',
        ].join('\n'),
      );
      return 0;
    });
  } catch (error) {
    return explain(error);
  }
}

/**
 * The referral network (docs/referrals.md): four invented partners (a vetted host in Tbilisi
 * whose account is host.tbilisi@demo.invalid, a vetted lawyer in Yerevan, a shelter in Almaty
 * waiting for vetting, a flagged counsellor in Belgrade), and referrals of assigned cases in
 * several states: a draft, one sent, one accepted and started, one declined, one completed.
 */
async function seedReferrals(
  ctx: AppContext,
  staff: ReadonlyMap<string, StaffActor>,
  assigned: ReadonlyArray<{ ref: string; worker: StaffActor }>,
): Promise<number> {
  const vetting = staff.get('vetting@demo.invalid')!;
  const coordinator = staff.get('coordinator@demo.invalid')!;
  const hostAccount = staff.get('host.tbilisi@demo.invalid')!;
  const voucher = assigned[0]?.worker ?? coordinator;
  const week = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const partner = async (form: Record<string, unknown>, decision: 'vet' | 'flag' | null) => {
    const { id } = await createPartner(ctx, voucher, { contactMethod: 'signal', ...form });
    if (decision !== null) await decidePartnerVetting(ctx, vetting, id, { decision });
    return id;
  };
  const host = await partner(
    {
      kind: 'host',
      name: 'Вымышленный хозяин (демо)',
      country: 'GE',
      city: 'Тбилиси',
      languages: ['ru', 'ka'],
      specialties: ['families', 'deserters'],
      capacityPlaces: '4',
      contact: '@demo.host.invalid',
    },
    'vet',
  );
  const lawyer = await partner(
    {
      kind: 'lawyer',
      name: 'Demo Law (invented)',
      country: 'AM',
      city: 'Yerevan',
      languages: ['ru', 'hy', 'en'],
      capacityPlaces: '10',
      contact: 'law@demo.invalid',
    },
    'vet',
  );
  await partner(
    {
      kind: 'shelter',
      name: 'Demo shelter (invented)',
      country: 'KZ',
      city: 'Almaty',
      languages: ['ru', 'kk'],
      capacityPlaces: '1',
      contact: 'shelter@demo.invalid',
    },
    null,
  );
  await partner(
    {
      kind: 'counsellor',
      name: 'Demo counsellor (invented)',
      country: 'RS',
      city: 'Belgrade',
      languages: ['ru', 'sr'],
      capacityPlaces: '3',
      contact: 'c@demo.invalid',
    },
    'flag',
  );
  await addPartnerMember(ctx, coordinator, host, { staffId: hostAccount.id });
  const plans: Array<{
    partnerId: string;
    steps: Array<'send' | 'accept' | 'start' | 'decline' | 'complete'>;
  }> = [
    { partnerId: lawyer, steps: [] },
    { partnerId: host, steps: ['send'] },
    { partnerId: host, steps: ['send', 'accept', 'start'] },
    { partnerId: host, steps: ['send', 'decline'] },
    { partnerId: host, steps: ['send', 'accept', 'start', 'complete'] },
  ];
  let made = 0;
  for (const [i, plan] of plans.entries()) {
    const target = assigned[i];
    if (target === undefined) break;
    const r = await createReferral(ctx, target.worker, target.ref, {
      partnerId: plan.partnerId,
      people: String(1 + (i % 3)),
      arrival: week,
      languages: ['ru'],
      note: 'Invented referral for the demo.',
    });
    made += 1;
    if (plan.steps.length === 0) continue;
    await recordConsent(ctx, target.worker, target.ref, r.id, {
      fields: ['people', 'languages', 'arrival_week', 'note'],
      via: 'inbox',
      on: new Date().toISOString().slice(0, 10),
    });
    await sendReferral(ctx, target.worker, target.ref, r.id);
    for (const step of plan.steps.slice(1)) {
      if (step === 'accept' || step === 'decline') {
        await respondToReferral(ctx, hostAccount, r.id, {
          decision: step,
          reason: step === 'decline' ? 'No room that week (invented).' : '',
        });
      } else {
        await progressReferral(ctx, hostAccount, r.id, {
          step,
          outcome: step === 'complete' ? 'Arrived safely (invented).' : '',
        });
      }
    }
  }
  return made;
}

/** A sought person's case (Latin script) and his mother's family case with her tracing request. */
async function seedTracing(ctx: AppContext, worker: StaffActor, coordinator: StaffActor): Promise<void> {
  const person = { documents: [], family: [] };
  const son = await createCase(
    ctx,
    { kind: 'applicant' },
    {
      person: {
        ...person,
        givenNameLatin: 'Sergei',
        familyNameLatin: 'Vymyshlennyi',
        birthDate: '1999-03-14',
      },
      story: 'Invented: I left my unit and I am safe now.',
      applicantType: 'soldier',
    },
  );
  const mother = await createCase(
    ctx,
    { kind: 'applicant' },
    { person, story: 'Вымышленная мать ищет сына.', applicantType: 'family' },
  );
  for (const c of [son, mother]) {
    await assignCase(ctx, coordinator, c.ref, { version: '1', teamId: '', assigneeId: worker.id });
  }
  // The linkage job indexes a new case when the server runs; the demo writes directly.
  await linkPerson(ctx, son.id);
  await fileStaffRequest(
    ctx,
    worker,
    {
      case: mother.ref,
      family_name: 'Вымышленный',
      given_name: 'Сергей',
      patronymic: 'Петрович',
      birth_date: '1999-03-14',
      last_place: 'Белгородская область',
      relationship: 'mother',
      safe_contact: 'Только через сообщения на сайте.',
    },
    'ru',
  );
}

/** The demo's ledger: a bank account, a grant and two budget lines, funded (all in EUR). */
async function seedLedger(ctx: AppContext, finance: StaffActor): Promise<{ tickets: string; beds: string }> {
  const bank = await openAccount(ctx, finance, {
    kind: 'holding',
    code: 'bank:eur',
    label: 'Bank account (EUR)',
    currency: 'EUR',
  });
  const grant = await openAccount(ctx, finance, {
    kind: 'funding',
    code: 'grant:demo-foundation-2026',
    label: 'Demo Foundation grant 2026',
    currency: 'EUR',
  });
  const tickets = await openAccount(ctx, finance, {
    kind: 'budget',
    code: 'budget:tickets',
    label: 'Tickets',
    currency: 'EUR',
  });
  const beds = await openAccount(ctx, finance, {
    kind: 'budget',
    code: 'budget:beds',
    label: 'A bed for a month',
    currency: 'EUR',
  });
  const move = (debit: string, credit: string, amount: number, kind: 'deposit' | 'allocation') =>
    createTransfer(ctx, finance, {
      id: randomUUID(),
      kind,
      debitAccountId: debit,
      creditAccountId: credit,
      amount,
      currency: 'EUR',
    });
  await move(bank.id, grant.id, 5_000_000, 'deposit');
  await move(grant.id, tickets.id, 1_500_000, 'allocation');
  await move(grant.id, beds.id, 1_000_000, 'allocation');
  // The donor report's cells: each budget line's purpose, country and funding source.
  await setBudgetTerms(ctx, finance, {
    accountId: tickets.id,
    purpose: 'travel',
    country: 'GE',
    fundingAccountId: grant.id,
  });
  await setBudgetTerms(ctx, finance, {
    accountId: beds.id,
    purpose: 'housing',
    country: 'GE',
    fundingAccountId: grant.id,
  });
  return { tickets: tickets.id, beds: beds.id };
}
