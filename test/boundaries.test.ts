import { describe, expect, it } from 'vitest';
import type { Database } from '../src/db/types.ts';
import {
  checkBoundaries,
  findCycles,
  isTestFile,
  readSources,
  type SourceText,
  scanFile,
} from './support/boundaries.ts';
import { eagerlyLoaded } from './support/start-up.ts';

/**
 * Module boundaries (issue 13, ADR 0110), checked on the source text like test/schema.test.ts
 * checks the schema: no database, a few seconds.
 *
 * (a) a file imports another module only through its face, `src/modules/<name>/index.ts`;
 *     a test file may import its own module's internals, other modules through their faces
 *     only (test/support and bench/ are outside src/ and may import anything);
 * (b) a module writes only the tables it owns (TABLE_OWNERS; migrations and tests exempt);
 * (c) the module order: platform, config, db, crypto, domain ← access ← keys, audit, jobs
 *     ← context ← feature modules ← app.ts, server.ts, cli (a unit never imports a higher
 *     tier; test files, which may build the whole app, are exempt);
 * (d) no import cycle between units (test files left out).
 */

/**
 * Who alone writes each table. Typed by `Database`: a table added to src/db/types.ts without
 * an owner, or an owner for a table that does not exist, does not compile.
 */
const TABLE_OWNERS: { readonly [T in keyof Database]: string } = {
  key_material: 'keys',
  data_keys: 'keys',
  staff: 'auth',
  staff_enrolments: 'auth',
  staff_password_resets: 'auth',
  staff_sessions: 'auth',
  staff_webauthn_credentials: 'auth',
  staff_webauthn_challenges: 'auth',
  staff_auth_policy: 'auth',
  audit_log: 'audit',
  audit_checkpoints: 'audit',
  cases: 'cases',
  case_notes: 'cases',
  case_reply_drafts: 'cases',
  case_person_index: 'cases',
  case_messages: 'cases',
  case_tasks: 'cases',
  case_events: 'cases',
  // The cases split (issue 13 item 4) moves these to case-access and case-pathways.
  teams: 'case-access',
  team_members: 'case-access',
  break_glass_grants: 'case-access',
  case_approvals: 'case-access',
  case_settings: 'case-access',
  retention_rules: 'retention',
  legal_holds: 'retention',
  case_pathway_checks: 'case-pathways',
  applicant_sessions: 'intake',
  telegram_conversations: 'intake',
  blob_chunks: 'intake',
  rate_limit_counts: 'platform',
  outreach_arrivals: 'outreach',
  ha_contact_codes: 'high-assurance',
  tracing_requests: 'tracing',
  tracing_request_blocks: 'tracing',
  tracing_proposals: 'tracing',
  tracing_consents: 'tracing',
  tracing_messages: 'tracing',
  instance_leases: 'jobs',
  fleet_seal: 'keys',
  unseal_requests: 'keys',
  ledger_currencies: 'ledger',
  ledger_accounts: 'ledger',
  ledger_transfers: 'ledger',
  ledger_entries: 'ledger',
  ledger_checkpoints: 'ledger',
  ledger_rates: 'ledger',
  ledger_conversions: 'ledger',
  federation_peers: 'federation',
  federation_packets: 'federation',
  ledger_statement_mappings: 'ledger',
  ledger_statements: 'ledger',
  ledger_statement_lines: 'ledger',
  ledger_settings: 'ledger',
  ledger_disbursements: 'ledger',
  ledger_approvals: 'ledger',
  ledger_signoffs: 'ledger',
  ledger_authenticity_signals: 'ledger',
  ledger_reward_schedule: 'ledger',
  ledger_reward_claims: 'ledger',
  ledger_reward_verifications: 'ledger',
  partners: 'referrals',
  partner_members: 'referrals',
  referrals: 'referrals',
  referral_events: 'referrals',
  evidence_items: 'evidence',
  evidence_custody: 'evidence',
  evidence_testimonies: 'evidence',
  evidence_testimony_versions: 'evidence',
  evidence_consents: 'evidence',
  case_status_history: 'cases',
  case_week_counts: 'cases',
  case_week_durations: 'cases',
  pathway_destination_counts: 'case-pathways',
  report_budgets: 'reports',
  report_releases: 'reports',
  evidence_redactions: 'evidence',
  evidence_links: 'evidence',
  intake_codenames: 'intake',
  intake_attachments: 'intake',
  intake_idempotency: 'intake',
  intake_partners: 'intake',
  intake_telegram_links: 'intake',
  jobs: 'jobs',
  linkage_block_index: 'vetting',
  linkage_labels: 'vetting',
  linkage_models: 'vetting',
  watchlists: 'vetting',
  watchlist_entries: 'vetting',
  watchlist_block_index: 'vetting',
  vetting_signals: 'vetting',
  vetting_signal_cases: 'vetting',
  vetting_decisions: 'vetting',
  witness_copies: 'witness',
  witness_receipts: 'witness',
  checkpoint_forks: 'witness',
  witness_heartbeats: 'witness',
  witness_silences: 'witness',
  staff_notifications: 'notifications',
  staff_notification_settings: 'notifications',
  organisation_versions: 'organisation',
};

const ROOT = new URL('..', import.meta.url).pathname;

describe('module boundaries', () => {
  const files = readSources(ROOT, 'src');

  it('holds for every source file', () => {
    const violations = checkBoundaries({
      files,
      tableOwners: TABLE_OWNERS,
      pending: [],
    }).map((v) => v.key);
    expect(violations).toEqual([]);
  });

  it('has no import cycle between the files of the config layer (a cycle there broke start-up)', () => {
    // config.ts spreads each area's schema at load; an area file that imported config.ts back
    // (for ConfigError) threw "Cannot access 'auditEnvSchema' before initialization" as soon as
    // a module imported the area file first. Checked on the files, since (d) sees units only.
    const graph = new Map<string, Set<string>>();
    for (const file of files) {
      if (!file.path.startsWith('src/config/') || isTestFile(file.path)) continue;
      const targets = new Set<string>();
      for (const edge of scanFile(file).imports) {
        if (edge.to.startsWith('src/config/')) targets.add(edge.to);
      }
      graph.set(file.path, targets);
    }
    expect(graph.size).toBeGreaterThan(3);
    expect(findCycles(graph)).toEqual([]);
  });

  // Test time: every test file that builds the app, and every CLI process, pays for what the
  // app loads at once; a few heavy libraries serve only a few pages (test/support/start-up.ts).
  it('loads the heavy libraries of a few pages on first use, not when the app or the CLI starts', () => {
    for (const entry of ['src/app.ts', 'src/cli/main.ts', 'src/cli/pathways.ts']) {
      expect(eagerlyLoaded(files, entry), entry).toEqual([]);
    }
  });

  it('finds a heavy library loaded at start-up, and not one loaded on first use or for types only', () => {
    const tree: SourceText[] = [
      {
        path: 'src/app.ts',
        text: "import { a } from './modules/a/index.ts';\nimport type { B } from 'pdfkit';",
      },
      { path: 'src/modules/a/index.ts', text: "export { a } from './a.ts';" },
      {
        path: 'src/modules/a/a.ts',
        text: "import sharp from 'sharp';\nexport const a = () => import('pdf-lib');",
      },
    ];
    expect(eagerlyLoaded(tree, 'src/app.ts')).toEqual([
      'sharp: src/app.ts -> src/modules/a/index.ts -> src/modules/a/a.ts',
    ]);
  });
});

/**
 * The checker itself, on a small synthetic tree: a clean tree passes, and each rule fails on a
 * deliberately planted reach-in. Without these, a checker that read no file would pass too.
 */
describe('the boundaries checker', () => {
  const owners = { notes: 'notes', people: 'people', audit_log: 'audit' };
  const clean: SourceText[] = [
    { path: 'src/platform/errors.ts', text: 'export class AppError extends Error {}' },
    { path: 'src/modules/audit/index.ts', text: "export { recordAudit } from './audit.service.ts';" },
    {
      path: 'src/modules/audit/audit.service.ts',
      text: "import { AppError } from '../../platform/errors.ts';\nexport async function recordAudit(db) { await db.insertInto('audit_log').values({}).execute(); }",
    },
    { path: 'src/modules/people/index.ts', text: "export { addPerson } from './people.service.ts';" },
    {
      path: 'src/modules/people/people.service.ts',
      text: "import { recordAudit } from '../audit/index.ts';\nexport async function addPerson(db) { await db.insertInto('people').values({}).execute(); await recordAudit(db); }",
    },
    { path: 'src/modules/notes/index.ts', text: "export { addNote } from './notes.service.ts';" },
    {
      path: 'src/modules/notes/notes.service.ts',
      text: "import { sql } from 'kysely';\nimport { addPerson } from '../people/index.ts';\nexport async function addNote(db) { await addPerson(db); await sql`insert into notes (id) values (1)`.execute(db); }",
    },
    {
      path: 'src/modules/notes/notes.test.ts',
      text: "import { addNote } from './notes.service.ts';\nimport { buildApp } from '../../app.ts';\nawait db.deleteFrom('people').execute();",
    },
    { path: 'src/app.ts', text: "import { addNote } from './modules/notes/index.ts';" },
  ];
  const check = (files: SourceText[], pending: string[] = []) =>
    checkBoundaries({ files, tableOwners: owners, pending }).map((v) => v.key);
  const plant = (path: string, text: string) => [...clean.filter((f) => f.path !== path), { path, text }];

  it('passes a tree that keeps the rules (tests may import their own internals and the app)', () => {
    expect(check(clean)).toEqual([]);
  });

  it('fails on an import of another module that bypasses its face', () => {
    const files = plant(
      'src/modules/notes/notes.view.ts',
      "import { addPerson } from '../people/people.service.ts';",
    );
    expect(check(files)).toEqual([
      'face: src/modules/notes/notes.view.ts -> src/modules/people/people.service.ts (use src/modules/people/index.ts)',
    ]);
    // A test file follows the faces too, and so do dynamic imports and `import()` types.
    expect(
      check(
        plant(
          'src/modules/notes/notes.test.ts',
          "const m = await import('../people/people.service.ts');\ntype T = import('../audit/audit.service.ts').X;",
        ),
      ),
    ).toEqual([
      'face: src/modules/notes/notes.test.ts -> src/modules/audit/audit.service.ts (use src/modules/audit/index.ts)',
      'face: src/modules/notes/notes.test.ts -> src/modules/people/people.service.ts (use src/modules/people/index.ts)',
    ]);
  });

  it("fails when a module writes another module's table, through the query builder or raw SQL", () => {
    const builder = plant(
      'src/modules/notes/notes.repository.ts',
      "export const f = (db) => db.updateTable('people as p').set({}).execute();",
    );
    expect(check(builder)).toEqual([
      'tables: src/modules/notes/notes.repository.ts writes people, owned by people',
    ]);
    const raw = plant(
      'src/modules/notes/notes.repository.ts',
      'export const f = (db) => sql`delete from audit_log where seq = 1`.execute(db);',
    );
    expect(check(raw)).toEqual([
      'tables: src/modules/notes/notes.repository.ts writes audit_log, owned by audit',
    ]);
    const unowned = plant(
      'src/modules/notes/notes.repository.ts',
      "const q = 'insert into drafts (id) values ($1)';",
    );
    expect(check(unowned)).toEqual([
      'tables: src/modules/notes/notes.repository.ts writes drafts, owned by no module (add it to the ownership map)',
    ]);
  });

  it('fails when a lower tier imports a higher one', () => {
    const files = [
      ...plant(
        'src/modules/audit/audit.service.ts',
        "import { r } from '../reports/index.ts';\nexport async function recordAudit(db) { await db.insertInto('audit_log').values({}).execute(); }",
      ),
      { path: 'src/modules/reports/index.ts', text: 'export const r = 1;' },
    ];
    expect(check(files)).toEqual([
      'order: audit (tier 2) imports reports (tier 4): src/modules/audit/audit.service.ts -> src/modules/reports/index.ts',
    ]);
    const layer = [
      ...clean,
      { path: 'src/platform/html.tsx', text: "import { r } from '../modules/reports/index.ts';" },
      { path: 'src/modules/reports/index.ts', text: 'export const r = 1;' },
    ];
    expect(check(layer)).toEqual([
      'order: platform (tier 0) imports reports (tier 4): src/platform/html.tsx -> src/modules/reports/index.ts',
    ]);
  });

  it('fails on an import cycle between modules and prints it', () => {
    const files = plant('src/modules/people/people.notes.ts', "import { addNote } from '../notes/index.ts';");
    expect(check(files)).toEqual(['cycle: notes -> people -> notes']);
  });

  it('leaves out a pending import or write, and only that one', () => {
    const files = plant(
      'src/modules/notes/notes.view.ts',
      "import { addPerson } from '../people/people.service.ts';\nexport const f = (db) => db.deleteFrom('people').execute();",
    );
    expect(check(files, ['src/modules/notes/notes.view.ts -> src/modules/people/people.service.ts'])).toEqual(
      ['tables: src/modules/notes/notes.view.ts writes people, owned by people'],
    );
    expect(check(files, ['src/modules/notes/notes.view.ts writes people'])).toEqual([
      'face: src/modules/notes/notes.view.ts -> src/modules/people/people.service.ts (use src/modules/people/index.ts)',
    ]);
  });
});
