import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Selectable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/types.ts';
import { testDb } from './support/db.ts';

/**
 * The migrations and the Kysely types describe one schema. The map below is checked by the
 * type checker against `Database` (every table, every column, and whether it may be null:
 * a missing, extra or wrongly nullable entry does not compile), and by this test against the
 * schema that the migrations actually build, on PGlite and on PostgreSQL. So a column added
 * to a migration but not to the types (or the other way round) fails here, not in production.
 */
/** JSON columns typed `unknown` cannot say whether they are nullable; either answer compiles. */
type NullabilityOf<V> = unknown extends V ? 'null' | 'not null' : null extends V ? 'null' : 'not null';
type Nullability<T> = { [K in keyof Selectable<T>]-?: NullabilityOf<Selectable<T>[K]> };
const SCHEMA: { [T in keyof Database]: Nullability<Database[T]> } = {
  audit_checkpoints: {
    seq: 'not null',
    head_hash: 'not null',
    at: 'not null',
    key_id: 'not null',
    public_key: 'not null',
    signature: 'not null',
  },
  audit_log: {
    seq: 'not null',
    at: 'not null',
    actor: 'not null',
    action: 'not null',
    target: 'null',
    reason: 'null',
    prev_hash: 'not null',
    hash: 'not null',
  },
  break_glass_grants: {
    id: 'not null',
    staff_id: 'not null',
    case_id: 'not null',
    reason: 'null',
    reason_enc: 'null',
    granted_at: 'not null',
    expires_at: 'not null',
    reviewed_by: 'null',
    reviewed_at: 'null',
    review_note: 'null',
    review_note_enc: 'null',
  },
  ledger_currencies: { code: 'not null', minor_units: 'not null', added_at: 'not null' },
  ledger_accounts: {
    id: 'not null',
    code: 'not null',
    kind: 'not null',
    currency: 'not null',
    label: 'not null',
    case_id: 'null',
    debits_must_not_exceed_credits: 'not null',
    credits_must_not_exceed_debits: 'not null',
    limit_minor: 'not null',
    debits_pending: 'not null',
    debits_posted: 'not null',
    credits_pending: 'not null',
    credits_posted: 'not null',
    created_at: 'not null',
  },
  ledger_transfers: {
    id: 'not null',
    body_hash: 'not null',
    kind: 'not null',
    debit_account_id: 'not null',
    credit_account_id: 'not null',
    amount: 'not null',
    currency: 'not null',
    status: 'not null',
    timeout_at: 'null',
    reverses_id: 'null',
    created_by: 'not null',
    created_at: 'not null',
    decided_by: 'null',
    decided_at: 'null',
  },
  ledger_entries: {
    seq: 'not null',
    at: 'not null',
    transfer_id: 'not null',
    event: 'not null',
    debit_account_id: 'not null',
    credit_account_id: 'not null',
    amount: 'not null',
    currency: 'not null',
    actor: 'not null',
    prev_hash: 'not null',
    hash: 'not null',
  },
  ledger_rates: {
    id: 'not null',
    from_currency: 'not null',
    to_currency: 'not null',
    rate: 'not null',
    source: 'not null',
    rate_date: 'not null',
    created_by: 'not null',
    created_at: 'not null',
  },
  ledger_conversions: { id: 'not null', rate_id: 'not null', out_transfer_id: 'not null', in_transfer_id: 'not null' },
  ledger_checkpoints: {
    seq: 'not null',
    head_hash: 'not null',
    at: 'not null',
    key_id: 'not null',
    public_key: 'not null',
    signature: 'not null',
  },
  case_approvals: {
    id: 'not null',
    kind: 'not null',
    case_id: 'null',
    requested_by: 'not null',
    requested_at: 'not null',
    payload_enc: 'null',
    status: 'not null',
    decided_by: 'null',
    decided_at: 'null',
    expected_version: 'null',
    watchlist_id: 'null',
  },
  case_events: {
    id: 'not null',
    case_id: 'not null',
    kind: 'not null',
    actor_id: 'null',
    detail_enc: 'null',
    at: 'not null',
    seq: 'not null',
  },
  case_messages: {
    id: 'not null',
    case_id: 'not null',
    direction: 'not null',
    author_id: 'null',
    body_enc: 'not null',
    created_on: 'not null',
    seq: 'not null',
  },
  case_notes: {
    id: 'not null',
    case_id: 'not null',
    author_id: 'null',
    body_enc: 'not null',
    created_at: 'not null',
    seq: 'not null',
  },
  case_pathway_checks: {
    id: 'not null',
    case_id: 'not null',
    author_id: 'null',
    content_version: 'not null',
    evaluated_on: 'not null',
    payload_enc: 'not null',
    at: 'not null',
    seq: 'not null',
  },
  case_person_index: {
    case_id: 'not null',
    kind: 'not null',
    value: 'not null',
  },
  case_settings: {
    key: 'not null',
    value: 'not null',
  },
  case_tasks: {
    id: 'not null',
    case_id: 'not null',
    kind: 'not null',
    title_enc: 'not null',
    due_on: 'not null',
    assignee_id: 'null',
    created_by: 'null',
    done_at: 'null',
    done_by: 'null',
    created_at: 'not null',
    seq: 'not null',
  },
  cases: {
    id: 'not null',
    ref: 'not null',
    status: 'not null',
    urgency: 'not null',
    created_on: 'not null',
    updated_at: 'not null',
    person_enc: 'null',
    story_enc: 'null',
    version: 'not null',
    applicant_type: 'not null',
    country: 'null',
    team_id: 'null',
    assignee_id: 'null',
    closing_reason: 'null',
    waiting_for_us: 'not null',
    waiting_since: 'not null',
    last_activity_on: 'not null',
    next_due_on: 'null',
    intake_enc: 'null',
  },
  data_keys: {
    subject: 'not null',
    key_id: 'not null',
    wrapped: 'not null',
    created_at: 'not null',
    rewrapped_at: 'null',
  },
  intake_attachments: {
    id: 'not null',
    case_id: 'not null',
    blob_id: 'not null',
    original_blob_id: 'null',
    media_type: 'not null',
    size_bytes: 'not null',
    name_enc: 'not null',
    created_on: 'not null',
    uploaded_by: 'null',
    seq: 'not null',
  },
  intake_codenames: {
    lookup_id: 'not null',
    case_enc: 'not null',
    created_on: 'not null',
  },
  intake_idempotency: {
    key_hash: 'not null',
    case_id: 'not null',
    request_hash: 'not null',
    created_on: 'not null',
  },
  intake_partners: {
    id: 'not null',
    label: 'not null',
    token_hash: 'not null',
    created_at: 'not null',
    revoked_at: 'null',
  },
  intake_telegram_links: {
    chat_hash: 'not null',
    case_id: 'not null',
    chat_enc: 'not null',
    locale: 'not null',
    delivered_seq: 'not null',
    created_on: 'not null',
  },
  applicant_sessions: { token_hash: 'not null', case_enc: 'not null', last_seen: 'not null' },
  telegram_conversations: { chat_hash: 'not null', state_enc: 'not null', touched_at: 'not null' },
  blob_chunks: { blob_id: 'not null', chunk: 'not null', data: 'not null' },
  rate_limit_counts: { bucket: 'not null', hits: 'not null', expires_at: 'not null' },
  outreach_arrivals: { code: 'not null', week: 'not null', arrivals: 'not null' },
  tracing_requests: {
    id: 'not null',
    case_id: 'not null',
    source: 'not null',
    status: 'not null',
    details_enc: 'not null',
    created_on: 'not null',
    closed_on: 'null',
  },
  tracing_request_blocks: { request_id: 'not null', slot: 'not null', value: 'not null' },
  tracing_proposals: {
    id: 'not null',
    request_id: 'not null',
    case_id: 'null',
    other_request_id: 'null',
    score: 'not null',
    detail_enc: 'not null',
    status: 'not null',
    decided_by: 'null',
    decided_on: 'null',
    created_on: 'not null',
  },
  tracing_consents: {
    id: 'not null',
    proposal_id: 'not null',
    case_id: 'not null',
    status: 'not null',
    method: 'not null',
    allows: 'not null',
    message_enc: 'null',
    contact_enc: 'null',
    recorded_by: 'null',
    recorded_on: 'not null',
    withdrawn_on: 'null',
  },
  instance_leases: { name: 'not null', holder: 'not null', expires_at: 'not null' },
  fleet_seal: { id: 'not null', epoch: 'not null' },
  unseal_requests: {
    id: 'not null',
    public_key: 'not null',
    fingerprint: 'not null',
    created_at: 'not null',
    grant_enc: 'null',
  },
  jobs: {
    id: 'not null',
    kind: 'not null',
    payload: 'not null',
    dedupe_key: 'null',
    state: 'not null',
    attempts: 'not null',
    max_attempts: 'not null',
    run_after: 'not null',
    locked_until: 'null',
    last_error: 'null',
    created_at: 'not null',
    finished_at: 'null',
  },
  key_material: {
    key_id: 'not null',
    mode: 'not null',
    verifier: 'not null',
    shares: 'not null',
    threshold: 'not null',
    created_at: 'not null',
    retired_at: 'null',
    wrapped_derivation_key: 'null',
  },
  linkage_block_index: {
    case_id: 'not null',
    key: 'not null',
    value: 'not null',
  },
  linkage_labels: {
    case_a: 'not null',
    case_b: 'not null',
    match: 'not null',
    decision_id: 'not null',
    labelled_at: 'not null',
  },
  linkage_models: {
    id: 'not null',
    model: 'not null',
    matches: 'not null',
    non_matches: 'not null',
    created_at: 'not null',
  },
  staff: {
    id: 'not null',
    email_bidx: 'not null',
    email_enc: 'not null',
    display_name_enc: 'null',
    role: 'not null',
    status: 'not null',
    password_hash: 'null',
    totp_secret_enc: 'null',
    totp_last_step: 'not null',
    created_at: 'not null',
    enrolled_at: 'null',
    disabled_at: 'null',
  },
  staff_enrolments: {
    token_hash: 'not null',
    staff_id: 'not null',
    totp_secret_enc: 'not null',
    created_at: 'not null',
    expires_at: 'not null',
    used_at: 'null',
  },
  staff_sessions: {
    token_hash: 'not null',
    staff_id: 'not null',
    created_at: 'not null',
    last_seen_at: 'not null',
    expires_at: 'not null',
  },
  team_members: {
    team_id: 'not null',
    staff_id: 'not null',
  },
  teams: {
    id: 'not null',
    name: 'not null',
    triage: 'not null',
    created_at: 'not null',
  },
  vetting_decisions: {
    id: 'not null',
    signal_id: 'not null',
    decision: 'not null',
    reason_enc: 'not null',
    decided_by: 'not null',
    decided_at: 'not null',
  },
  vetting_signal_cases: {
    signal_id: 'not null',
    case_id: 'not null',
  },
  vetting_signals: {
    id: 'not null',
    kind: 'not null',
    pair_key: 'not null',
    watchlist_entry_id: 'null',
    score: 'not null',
    detail_enc: 'not null',
    status: 'not null',
    raised_on: 'not null',
    updated_at: 'not null',
    version: 'not null',
  },
  watchlist_block_index: {
    entry_id: 'not null',
    watchlist_id: 'not null',
    key: 'not null',
    value: 'not null',
  },
  watchlist_entries: {
    id: 'not null',
    watchlist_id: 'not null',
    entry_enc: 'not null',
  },
  watchlists: {
    id: 'not null',
    label_enc: 'not null',
    format: 'not null',
    fingerprint: 'null',
    secret_enc: 'null',
    clk_bits: 'null',
    clk_hardening: 'null',
    entries: 'not null',
    imported_by: 'null',
    imported_at: 'not null',
    retired_at: 'null',
    status: 'not null',
    source_enc: 'null',
    approved_by: 'null',
    approved_at: 'null',
  },
};

describe('schema: migrations and types agree', () => {
  let database: Awaited<ReturnType<typeof testDb>>;
  beforeAll(async () => {
    database = await testDb();
  });
  afterAll(async () => database.close());

  it('has exactly the tables, columns and nullability that the types declare', async () => {
    const rows = (
      await sql<{ table_name: string; column_name: string; is_nullable: string }>`
        select table_name, column_name, is_nullable from information_schema.columns
        where table_schema = current_schema() and table_name not like 'kysely_%'`.execute(database.db)
    ).rows;
    const actual: Record<string, Record<string, string>> = {};
    for (const r of rows) {
      actual[r.table_name] ??= {};
      actual[r.table_name]![r.column_name] = r.is_nullable === 'YES' ? 'null' : 'not null';
    }
    expect(actual).toEqual(SCHEMA);
  });

  it('keeps migrations self-contained: they import nothing but kysely, and sort by their timestamp', () => {
    const dir = join(import.meta.dirname, '..', 'src', 'db', 'migrations');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      expect(f, f).toMatch(/^\d{8}T\d{4}_[a-z0-9_]+\.ts$/);
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        imports.every((i) => i === 'kysely'),
        `${f} imports ${imports.join(', ')}`,
      ).toBe(true);
    }
  });
});
