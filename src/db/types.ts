import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CaseApplicantType } from '../domain/applicant.ts';

/** Kysely table types. test/db/schema.test.ts checks them against the migrated schema. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Bytes = Uint8Array;

export interface KeyMaterialTable {
  key_id: string;
  mode: 'shamir' | 'dev';
  verifier: string;
  shares: number;
  threshold: number;
  created_at: Timestamp;
  retired_at: Date | null;
  /** The derivation key wrapped under this root key (ADR 0082); null for a key from before it. */
  wrapped_derivation_key: Bytes | null;
}

export interface DataKeysTable {
  subject: string;
  key_id: string;
  wrapped: Bytes;
  created_at: Timestamp;
  rewrapped_at: Date | null;
}

export type StaffRoleName =
  | 'caseworker'
  | 'lawyer'
  | 'vetting_officer'
  | 'finance_officer'
  | 'evidence_officer'
  | 'coordinator'
  | 'admin'
  | 'partner'
  | 'analyst';
export type StaffStatus = 'pending' | 'active' | 'disabled';

export interface StaffTable {
  id: string;
  email_bidx: number;
  email_enc: Bytes;
  display_name_enc: Bytes | null;
  role: StaffRoleName;
  status: StaffStatus;
  password_hash: string | null;
  totp_secret_enc: Bytes | null;
  totp_last_step: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  enrolled_at: Date | null;
  disabled_at: Date | null;
  /** The optional duress password, Argon2id like `password_hash` (ADR 0176). */
  duress_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface StaffEnrolmentsTable {
  token_hash: Bytes;
  staff_id: string;
  totp_secret_enc: Bytes;
  created_at: Timestamp;
  expires_at: Date;
  used_at: Date | null;
}

/** Single-use password-reset links (ADR 0190): only the token's hash is kept. */
export interface StaffPasswordResetsTable {
  token_hash: Bytes;
  staff_id: string;
  created_at: Timestamp;
  expires_at: Date;
  used_at: Date | null;
}

export interface StaffSessionsTable {
  token_hash: Bytes;
  staff_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Date;
  /** Opened with TOTP by someone who must enrol a security key first (ADR 0173). */
  key_enrolment_only: ColumnType<boolean, boolean | undefined, boolean>;
}

/** A staff member's security key or passkey (ADR 0172). */
export interface StaffWebauthnCredentialsTable {
  id: string;
  staff_id: string;
  credential_id: Bytes;
  public_key: Bytes;
  /** bigint: read back as a string or a number depending on the driver. */
  counter: ColumnType<string | number, number | undefined, number>;
  transports: ColumnType<string, string | undefined, string>;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  /** The name its holder gave it, under the holder's data key (AAD staff_webauthn_credentials|name|id). */
  name_enc: Bytes;
  created_at: Timestamp;
  last_used_at: Date | null;
}

/** A WebAuthn challenge, stored as its SHA-256, bound to a session or pre-session cookie. */
export interface StaffWebauthnChallengesTable {
  challenge_hash: Bytes;
  purpose: 'register' | 'authenticate';
  binding_hash: Bytes;
  staff_id: string | null;
  expires_at: Date;
}

/** The organisation's sign-in policy (ADR 0173): one row, id 1. */
export interface StaffAuthPolicyTable {
  id: number;
  /** Comma-separated roles for which a security key is mandatory. */
  webauthn_roles: string;
  totp_fallback: boolean;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface AuditLogTable {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  prev_hash: Bytes;
  hash: Bytes;
}

export interface AuditCheckpointsTable {
  seq: number;
  head_hash: Bytes;
  at: Date;
  key_id: string;
  public_key: string;
  signature: string;
}

export interface CasesTable {
  id: string;
  ref: string;
  status: Generated<string>;
  urgency: Generated<number>;
  /** Day only: applicant timestamps are no finer than the day. */
  created_on: ColumnType<string, string | undefined, string>;
  updated_at: Timestamp;
  person_enc: Bytes | null;
  story_enc: Bytes | null;
  /** Optimistic concurrency: every edit says which version it read; a stale one gets 409. */
  version: ColumnType<number, number | undefined, number>;
  applicant_type: ColumnType<ApplicantType, ApplicantType | undefined, ApplicantType>;
  /** ISO 3166 alpha-2 of where the applicant is now (coarse, for the queue filter). */
  country: string | null;
  team_id: string | null;
  assignee_id: string | null;
  closing_reason: ClosingReason | null;
  waiting_for_us: ColumnType<boolean, boolean | undefined, boolean>;
  waiting_since: ColumnType<string, string | undefined, string>;
  last_activity_on: ColumnType<string, string | undefined, string>;
  /** Earliest due date of the open tasks (denormalised so overdue cases rise in the queue). */
  next_due_on: string | null;
  intake_enc: Bytes | null;
  /** Opened through a contact code (ADR 0158): seen only by its restricted team. Never cleared. */
  restricted: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface CaseNotesTable {
  id: string;
  case_id: string;
  author_id: string | null;
  body_enc: Bytes;
  created_at: Timestamp;
  seq: Generated<number>;
}

/** A staff member's reply draft on a case, encrypted under the case key (ADR 0181). */
export interface CaseReplyDraftsTable {
  case_id: string;
  staff_id: string;
  body_enc: Bytes;
  updated_at: Generated<Timestamp>;
}

/** How a case records the applicant's type (the list lives in src/domain/applicant.ts, ADR 0109). */
export type ApplicantType = CaseApplicantType;
export type ClosingReason =
  | 'reached_safety'
  | 'asylum_granted'
  | 'lost_contact'
  | 'withdrew'
  | 'not_genuine'
  | 'duplicate'
  | 'other';

export interface TeamsTable {
  id: string;
  name: string;
  triage: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  /** A need-to-know team (ADR 0158): its cases are invisible outside it. */
  restricted: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface TeamMembersTable {
  team_id: string;
  staff_id: string;
}

export interface CasePersonIndexTable {
  case_id: string;
  kind: 'phone' | 'document' | 'name';
  value: number;
}

export interface CaseMessagesTable {
  id: string;
  case_id: string;
  direction: 'in' | 'out';
  author_id: string | null;
  body_enc: Bytes;
  /** Day only: the applicant sees these dates. */
  created_on: ColumnType<string, string | undefined, string>;
  seq: Generated<number>;
}

export interface CaseTasksTable {
  id: string;
  case_id: string;
  kind: 'summons' | 'visa_free_end' | 'asylum_interview' | 'document' | 'call' | 'other';
  title_enc: Bytes;
  due_on: string;
  assignee_id: string | null;
  created_by: string | null;
  done_at: Date | null;
  done_by: string | null;
  created_at: Timestamp;
  seq: Generated<number>;
}

export interface CaseEventsTable {
  id: string;
  case_id: string;
  kind: 'created' | 'status' | 'assign' | 'person' | 'intake';
  actor_id: string | null;
  detail_enc: Bytes | null;
  at: Timestamp;
  seq: Generated<number>;
}

/** A pathway check saved to a case (issue 5); the profile and outcome are in `payload_enc`. */
export interface CasePathwayChecksTable {
  id: string;
  case_id: string;
  author_id: string | null;
  /** SHA-256 of the knowledge base files the check used (ADR 0034). */
  content_version: string;
  /** The evaluation day, YYYY-MM-DD (ADR 0035). */
  evaluated_on: string;
  payload_enc: Bytes;
  at: Timestamp;
  seq: Generated<number>;
}

export interface BreakGlassGrantsTable {
  id: string;
  staff_id: string;
  case_id: string;
  /** Plaintext of grants written before ADR 0087 only, until the legacy job encrypts it. */
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** The reason, under the case's data key (AAD break_glass_grants|reason|id). */
  reason_enc: Bytes | null;
  granted_at: Timestamp;
  expires_at: Date;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  /** Plaintext of reviews written before ADR 0087 only. */
  review_note: string | null;
  review_note_enc: Bytes | null;
}

export type ApprovalKind =
  | 'close_not_genuine'
  | 'bulk_export'
  | 'self_assign'
  | 'case_pdf'
  | 'watchlist_import'
  // Two-person acts of issue 18 (ADR 0138); kinds are the registry's, the table lists none.
  | 'staff_create'
  | 'staff_role'
  | 'staff_second_factor'
  | 'retention_change'
  | 'break_glass_extend'
  // Raising a dataset's privacy budget (issue 19, ADR 0171).
  | 'report_budget'
  // Break-glass into a restricted case: an admin, with a second person (ADR 0159).
  | 'ha_break_glass'
  // The organisation's sign-in policy (WebAuthn mandatory for roles, TOTP fallback; ADR 0173).
  | 'staff_auth_policy'
  // Root-key rotation needs a second administrator too (ADR 0177).
  | 'keys_rotate'
  // Loosening the disbursement approval thresholds (issue 18 item 2).
  | 'ledger_thresholds'
  | 'ledger_rate'
  // Staff administration (issue 21 item 4, ADR 0190): a password reset, a re-enabled account.
  | 'staff_password'
  | 'staff_reenable';

export interface CaseApprovalsTable {
  id: string;
  kind: ApprovalKind;
  case_id: string | null;
  requested_by: string;
  requested_at: Timestamp;
  payload_enc: Bytes | null;
  status: ColumnType<
    'pending' | 'approved' | 'rejected' | 'used',
    'pending' | undefined,
    'pending' | 'approved' | 'rejected' | 'used'
  >;
  decided_by: string | null;
  decided_at: Date | null;
  expected_version: number | null;
  /** For a `watchlist_import` approval: the list waiting for it. */
  watchlist_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** A two-person act's deadline (ADR 0138): past it, nobody may approve. */
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The staff account a two-person act concerns: its holder never decides it. */
  subject_staff_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A retention rule (ADR 0139): cases in this state, idle longer than `after_days`, are erased. */
export interface RetentionRulesTable {
  status: string;
  /** For closed cases: the closing reason the rule is for ('' = any). */
  closing_reason: ColumnType<string, string | undefined, string>;
  after_days: number;
}

/** A legal hold (ADR 0139): the case is never erased while it stands. */
export interface LegalHoldsTable {
  case_id: string;
  placed_by: string | null;
  placed_at: Generated<Date>;
}

export interface CaseSettingsTable {
  key: string;
  value: string;
}

export interface Database {
  key_material: KeyMaterialTable;
  data_keys: DataKeysTable;
  staff: StaffTable;
  staff_enrolments: StaffEnrolmentsTable;
  staff_password_resets: StaffPasswordResetsTable;
  staff_sessions: StaffSessionsTable;
  staff_webauthn_credentials: StaffWebauthnCredentialsTable;
  staff_webauthn_challenges: StaffWebauthnChallengesTable;
  staff_auth_policy: StaffAuthPolicyTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  cases: CasesTable;
  case_notes: CaseNotesTable;
  case_reply_drafts: CaseReplyDraftsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  case_person_index: CasePersonIndexTable;
  case_messages: CaseMessagesTable;
  case_tasks: CaseTasksTable;
  case_events: CaseEventsTable;
  break_glass_grants: BreakGlassGrantsTable;
  case_approvals: CaseApprovalsTable;
  case_settings: CaseSettingsTable;
  retention_rules: RetentionRulesTable;
  legal_holds: LegalHoldsTable;
  intake_codenames: IntakeCodenamesTable;
  intake_attachments: IntakeAttachmentsTable;
  intake_idempotency: IntakeIdempotencyTable;
  intake_partners: IntakePartnersTable;
  intake_telegram_links: IntakeTelegramLinksTable;
  applicant_sessions: ApplicantSessionsTable;
  telegram_conversations: TelegramConversationsTable;
  blob_chunks: BlobChunksTable;
  rate_limit_counts: RateLimitCountsTable;
  outreach_arrivals: OutreachArrivalsTable;
  ha_contact_codes: HaContactCodesTable;
  tracing_requests: TracingRequestsTable;
  tracing_request_blocks: TracingRequestBlocksTable;
  tracing_proposals: TracingProposalsTable;
  tracing_consents: TracingConsentsTable;
  tracing_messages: TracingMessagesTable;
  instance_leases: InstanceLeasesTable;
  fleet_seal: FleetSealTable;
  unseal_requests: UnsealRequestsTable;
  jobs: JobsTable;
  linkage_block_index: LinkageBlockIndexTable;
  watchlists: WatchlistsTable;
  watchlist_entries: WatchlistEntriesTable;
  watchlist_block_index: WatchlistBlockIndexTable;
  vetting_signals: VettingSignalsTable;
  vetting_signal_cases: VettingSignalCasesTable;
  vetting_decisions: VettingDecisionsTable;
  linkage_labels: LinkageLabelsTable;
  linkage_models: LinkageModelsTable;
  case_pathway_checks: CasePathwayChecksTable;
  ledger_currencies: LedgerCurrenciesTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_entries: LedgerEntriesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  ledger_rates: LedgerRatesTable;
  ledger_conversions: LedgerConversionsTable;
  federation_peers: FederationPeersTable;
  federation_packets: FederationPacketsTable;
  ledger_statement_mappings: LedgerStatementMappingsTable;
  ledger_statements: LedgerStatementsTable;
  ledger_statement_lines: LedgerStatementLinesTable;
  ledger_settings: LedgerSettingsTable;
  ledger_disbursements: LedgerDisbursementsTable;
  ledger_approvals: LedgerApprovalsTable;
  ledger_signoffs: LedgerSignoffsTable;
  ledger_authenticity_signals: LedgerAuthenticitySignalsTable;
  ledger_reward_schedule: LedgerRewardScheduleTable;
  ledger_reward_claims: LedgerRewardClaimsTable;
  ledger_reward_verifications: LedgerRewardVerificationsTable;
  partners: PartnersTable;
  partner_members: PartnerMembersTable;
  referrals: ReferralsTable;
  referral_events: ReferralEventsTable;
  evidence_items: EvidenceItemsTable;
  evidence_custody: EvidenceCustodyTable;
  evidence_testimonies: EvidenceTestimoniesTable;
  evidence_testimony_versions: EvidenceTestimonyVersionsTable;
  evidence_consents: EvidenceConsentsTable;
  case_status_history: CaseStatusHistoryTable;
  report_budgets: ReportBudgetsTable;
  report_releases: ReportReleasesTable;
  evidence_redactions: EvidenceRedactionsTable;
  evidence_links: EvidenceLinksTable;
  case_week_counts: CaseWeekCountsTable;
  case_week_durations: CaseWeekDurationsTable;
  pathway_destination_counts: PathwayDestinationCountsTable;
  witness_copies: WitnessCopiesTable;
  witness_receipts: WitnessReceiptsTable;
  checkpoint_forks: CheckpointForksTable;
  witness_heartbeats: WitnessHeartbeatsTable;
  witness_silences: WitnessSilencesTable;
  staff_notifications: StaffNotificationsTable;
  staff_notification_settings: StaffNotificationSettingsTable;
  organisation_versions: OrganisationVersionsTable;
}

export type KeyMaterialRow = Selectable<KeyMaterialTable>;
export type DataKeyRow = Selectable<DataKeysTable>;
export type StaffRow = Selectable<StaffTable>;
export type StaffEnrolmentRow = Selectable<StaffEnrolmentsTable>;
export type StaffSessionRow = Selectable<StaffSessionsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type CaseRow = Selectable<CasesTable>;

// ---- intake (issue 3) -------------------------------------------------------------------

/** Day-granular applicant dates ('YYYY-MM-DD'), set by the database. */
type DayColumn = ColumnType<string, string | undefined, string>;

export interface IntakeCodenamesTable {
  lookup_id: Bytes;
  case_enc: Bytes;
  created_on: DayColumn;
}

export interface IntakeAttachmentsTable {
  id: string;
  case_id: string;
  blob_id: string;
  original_blob_id: string | null;
  media_type: 'image/jpeg' | 'image/png' | 'application/pdf';
  size_bytes: number;
  name_enc: Bytes;
  created_on: DayColumn;
  /** The staff member who uploaded it to the case; null when the applicant did. */
  uploaded_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Place in the case timeline (the sequence shared with notes, messages, tasks, events). */
  seq: Generated<number>;
}

export interface IntakeIdempotencyTable {
  key_hash: Bytes;
  case_id: string;
  request_hash: Bytes;
  created_on: DayColumn;
}

export interface IntakePartnersTable {
  id: string;
  label: string;
  token_hash: Bytes;
  created_at: Timestamp;
  revoked_at: Date | null;
}

export interface IntakeTelegramLinksTable {
  chat_hash: Bytes;
  case_id: string;
  chat_enc: Bytes;
  locale: 'ru' | 'uk' | 'en';
  /** The last case_messages.seq (a staff reply) delivered to this chat. */
  delivered_seq: ColumnType<number, number | undefined, number>;
  created_on: DayColumn;
}

// ---- jobs, linkage and vetting (issue 6) -----------------------------------------------

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobsTable {
  id: string;
  kind: string;
  payload: ColumnType<unknown, string | undefined, string>;
  dedupe_key: string | null;
  state: ColumnType<JobState, JobState | undefined, JobState>;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  run_after: Timestamp;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Timestamp;
  finished_at: Date | null;
}

export interface LinkageBlockIndexTable {
  case_id: string;
  /** Blocking key number * 3 + refinement level (0..17). */
  key: number;
  value: number;
}

export interface WatchlistsTable {
  id: string;
  label_enc: Bytes;
  format: 'clk' | 'plain';
  fingerprint: string | null;
  secret_enc: Bytes | null;
  clk_bits: number | null;
  clk_hardening: 'none' | 'xor-fold' | 'balance' | null;
  entries: ColumnType<number, number | undefined, number>;
  imported_by: string | null;
  imported_at: Timestamp;
  retired_at: Date | null;
  /** Matched against cases only once a second person approved the import (ADR 0095). */
  status: ColumnType<
    'pending' | 'active' | 'rejected',
    'pending' | 'active' | undefined,
    'pending' | 'active' | 'rejected'
  >;
  /** The declared source, encrypted under the list's data key. */
  source_enc: ColumnType<Bytes | null, Bytes | null | undefined, Bytes | null>;
  approved_by: ColumnType<string | null, string | null | undefined, string | null>;
  approved_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface WatchlistEntriesTable {
  id: string;
  watchlist_id: string;
  entry_enc: Bytes;
}

export interface WatchlistBlockIndexTable {
  entry_id: string;
  watchlist_id: string;
  key: number;
  value: number;
}

export type VettingSignalKind = 'duplicate' | 'shared_phone' | 'codenames' | 'watchlist';
export type VettingSignalStatus = 'open' | 'more_info' | 'same' | 'different' | 'superseded';
export type VettingDecisionKind = 'same' | 'different' | 'more_info';

export interface VettingSignalsTable {
  id: string;
  kind: VettingSignalKind;
  pair_key: string;
  watchlist_entry_id: string | null;
  score: number;
  detail_enc: Bytes;
  status: ColumnType<VettingSignalStatus, VettingSignalStatus | undefined, VettingSignalStatus>;
  raised_on: DayColumn;
  updated_at: Timestamp;
  version: ColumnType<number, number | undefined, number>;
}

export interface VettingSignalCasesTable {
  signal_id: string;
  case_id: string;
}

export interface VettingDecisionsTable {
  id: string;
  signal_id: string;
  decision: VettingDecisionKind;
  reason_enc: Bytes;
  decided_by: string;
  decided_at: Timestamp;
}

export interface LinkageLabelsTable {
  case_a: string;
  case_b: string;
  match: boolean;
  decision_id: string;
  labelled_at: Timestamp;
}

export interface LinkageModelsTable {
  id: Generated<string>;
  model: ColumnType<unknown, string, string>;
  matches: number;
  non_matches: number;
  created_at: Timestamp;
}

// The assistance ledger (issue 15, ADR 0119). Amounts are integers in minor units.
export type LedgerAccountKind = 'funding' | 'budget' | 'holding' | 'channel' | 'recipient' | 'equity';
export type LedgerTransferKind =
  | 'allocation'
  | 'disbursement'
  | 'deposit'
  | 'payment'
  | 'correction'
  | 'transfer';
export type LedgerTransferStatus = 'pending' | 'posted' | 'voided' | 'expired';
export type LedgerEntryEvent = 'pending' | 'posted' | 'voided' | 'expired' | 'posted_direct';

export interface LedgerCurrenciesTable {
  code: string;
  minor_units: number;
  added_at: Timestamp;
}

export interface LedgerAccountsTable {
  id: string;
  code: string;
  kind: LedgerAccountKind;
  currency: string;
  label: string;
  case_id: string | null;
  debits_must_not_exceed_credits: ColumnType<boolean, boolean | undefined, boolean>;
  credits_must_not_exceed_debits: ColumnType<boolean, boolean | undefined, boolean>;
  limit_minor: ColumnType<number, number | undefined, number>;
  debits_pending: ColumnType<number, number | undefined, number>;
  debits_posted: ColumnType<number, number | undefined, number>;
  credits_pending: ColumnType<number, number | undefined, number>;
  credits_posted: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  /** Budget lines only (ADR 0125): the donor report's purpose, country and funding source. */
  purpose: ColumnType<string | null, string | null | undefined, string | null>;
  country: ColumnType<string | null, string | null | undefined, string | null>;
  funding_account_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface LedgerTransfersTable {
  id: string;
  body_hash: Bytes;
  kind: LedgerTransferKind;
  debit_account_id: string;
  credit_account_id: string;
  amount: number;
  currency: string;
  status: LedgerTransferStatus;
  timeout_at: Date | null;
  reverses_id: string | null;
  created_by: string;
  created_at: Timestamp;
  decided_by: string | null;
  decided_at: Date | null;
}

/** A chain entry: one event in its own columns, or several in `events` (ADR 0215). */
export interface LedgerEntriesTable {
  seq: number;
  at: Date;
  transfer_id: string | null;
  event: LedgerEntryEvent | null;
  debit_account_id: string | null;
  credit_account_id: string | null;
  amount: number | null;
  currency: string | null;
  actor: string | null;
  prev_hash: Bytes;
  hash: Bytes;
  events: Generated<string | null>;
}

export interface LedgerCheckpointsTable {
  seq: number;
  head_hash: Bytes;
  at: Date;
  key_id: string;
  public_key: string;
  signature: string;
}

export interface LedgerRatesTable {
  id: string;
  from_currency: string;
  to_currency: string;
  rate: string;
  source: string;
  rate_date: DayColumn;
  created_by: string;
  created_at: Timestamp;
}

export interface LedgerConversionsTable {
  id: string;
  rate_id: string;
  out_transfer_id: string;
  in_transfer_id: string;
}

// Reconciliation of bank and provider statements (issue 15 item 8, ADR 0124).
export interface LedgerStatementMappingsTable {
  holding_account_id: string;
  delimiter: ',' | ';' | 'tab';
  date_column: string;
  amount_column: string;
  currency_column: string | null;
  reference_column: string | null;
  counterparty_column: string | null;
  date_format: 'YYYY-MM-DD' | 'DD.MM.YYYY' | 'DD/MM/YYYY' | 'MM/DD/YYYY';
  decimal_separator: '.' | ',';
  updated_by: string;
  updated_at: Date;
}

export interface LedgerStatementsTable {
  id: string;
  holding_account_id: string;
  /** SHA-256 over the statement's line fingerprints: the same statement again is the same row. */
  fingerprint: Bytes;
  line_count: number;
  new_lines: number;
  imported_by: string;
  imported_at: Date;
}

export interface LedgerStatementLinesTable {
  id: string;
  statement_id: string;
  holding_account_id: string;
  /** SHA-256 of date, amount, currency and occurrence (never the names): a line imported twice is one row. */
  fingerprint: Bytes;
  line_no: number;
  booked_on: DayColumn;
  /** Signed, in minor units: positive is money in (the holding debited), negative money out. */
  amount: number;
  currency: string;
  /** Reference and counterparty as JSON, under the organisation's "ledger" data key. */
  details_enc: Bytes;
  transfer_id: string | null;
  match_kind: 'reference' | 'amount_date' | 'manual' | null;
  matched_by: string | null;
  matched_at: Date | null;
  /** Unmatched by hand: automatic matching leaves it alone. */
  held: ColumnType<boolean, boolean | undefined, boolean>;
}

// ---- disbursements, approvals, sign-off, rewards (issue 15 items 3–6; ADR 0120–0122) ---------

export interface LedgerSettingsTable {
  id: ColumnType<number, number | undefined, number>;
  base_currency: string;
  tier1_minor: number;
  tier2_minor: number;
  updated_by: string;
  updated_at: Timestamp;
}

export type DisbursementPurpose =
  | 'ticket'
  | 'accommodation'
  | 'legal'
  | 'stipend'
  | 'medical'
  | 'documents'
  | 'reward'
  | 'other';
export type PaymentChannel =
  | 'bank_transfer'
  | 'money_transfer'
  | 'card_topup'
  | 'crypto'
  | 'courier_cash'
  | 'voucher';
export type PaymentDetailsKind = 'card' | 'wallet' | 'iban' | 'courier_code';

export interface LedgerDisbursementsTable {
  /** The pending transfer's id (the caller's idempotency id). */
  id: string;
  kind: 'disbursement' | 'reward';
  case_id: string;
  budget_account_id: string;
  recipient_account_id: string;
  amount: number;
  currency: string;
  /** The amount in the organisation's base currency at the stored rate, for the tier. */
  base_amount: number;
  base_currency: string;
  rate_id: string | null;
  /** The thresholds in force when it was requested (the tier is recomputed from them by verify). */
  tier1_minor: number;
  tier2_minor: number;
  tier: number;
  purpose: DisbursementPurpose;
  channel: PaymentChannel;
  due_on: DayColumn;
  requested_by: string;
  requested_at: Timestamp;
  needs_signoff: boolean;
  /** Raised when a vetting signal pauses it: a sign-off must be of the current epoch. */
  signoff_epoch: ColumnType<number, number | undefined, number>;
  paused_at: Date | null;
  payment_kind: PaymentDetailsKind | null;
  /** Under the case's data key, bound to this row. */
  payment_details_enc: Bytes | null;
  reveals: ColumnType<number, number | undefined, number>;
  denied_by: string | null;
  denied_at: Date | null;
  /** Its place on the case timeline (the shared case_timeline_seq). */
  seq: Generated<number>;
}

export interface LedgerApprovalsTable {
  id: string;
  disbursement_id: string;
  approver_id: string;
  approver_role: StaffRoleName;
  decided_at: Timestamp;
}

export interface LedgerSignoffsTable {
  id: string;
  disbursement_id: string;
  officer_id: string;
  epoch: number;
  signed_at: Timestamp;
}

export interface LedgerAuthenticitySignalsTable {
  id: string;
  case_id: string;
  kind: 'equipment' | 'information';
  /** Under the case's data key. */
  description_enc: Bytes;
  /** Ids of the evidence behind it (case documents until the evidence module lands). */
  evidence_ids: ColumnType<string[], string, string>;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface LedgerRewardScheduleTable {
  id: string;
  code: string;
  label: string;
  amount: number;
  currency: string;
  created_by: string;
  created_at: Timestamp;
}

export interface LedgerRewardClaimsTable {
  disbursement_id: string;
  schedule_id: string;
  /** Under the case's data key. */
  description_enc: Bytes;
  evidence_ids: ColumnType<string[], string, string>;
}

export type RewardVerificationStep = 'inspected' | 'documents_checked' | 'expert_opinion' | 'handed_over';

export interface LedgerRewardVerificationsTable {
  id: string;
  disbursement_id: string;
  step: RewardVerificationStep;
  verified_by: string;
  verified_at: Timestamp;
}

// ---- state several instances share (issue 17; ADR 0115, 0116, 0117) ----------------------

export interface ApplicantSessionsTable {
  /** SHA-256 of the cookie token: the token itself is never stored. */
  token_hash: Bytes;
  /** The case id, under a keyring-derived key, bound to token_hash. */
  case_enc: Bytes;
  last_seen: Date;
}

export interface TelegramConversationsTable {
  chat_hash: Bytes;
  /** The conversation in progress (step, language, answers), under a keyring-derived key. */
  state_enc: Bytes;
  touched_at: Date;
}

export interface BlobChunksTable {
  blob_id: string;
  chunk: number;
  /** Ciphertext only (encrypted under the case key before it gets here). */
  data: Bytes;
}

/** Arrivals through a campaign or mirror code, per ISO week (Monday, YYYY-MM-DD); aggregate only. */
export interface OutreachArrivalsTable {
  code: string;
  week: string;
  arrivals: number;
}

/** A family member's tracing request (issue 20, ADR 0156); details encrypted under the case's key. */
export interface TracingRequestsTable {
  id: string;
  case_id: string;
  source: 'applicant' | 'staff' | 'telegram' | 'partner';
  status: ColumnType<'open' | 'closed', 'open' | 'closed' | undefined, 'open' | 'closed'>;
  details_enc: Bytes;
  created_on: string;
  closed_on: string | null;
  /** Keyed digest of the channel's retry key (Telegram update, partner Idempotency-Key); ADR 0161. */
  idempotency_hash: ColumnType<Bytes | null, Bytes | null | undefined, Bytes | null>;
  /** Keyed digest of what was sent under that key (a different body is a 409). */
  request_hash: ColumnType<Bytes | null, Bytes | null | undefined, Bytes | null>;
}

/** Blind indexes of a tracing request's blocking keys (slot = key * 3 + level). */
export interface TracingRequestBlocksTable {
  request_id: string;
  slot: number;
  value: number;
}

export type TracingProposalStatus = 'proposed' | 'confirmed' | 'rejected';

/** A match of a tracing request for a caseworker: another case's person or another open request. */
export interface TracingProposalsTable {
  id: string;
  request_id: string;
  case_id: string | null;
  other_request_id: string | null;
  score: number;
  detail_enc: Bytes;
  status: ColumnType<TracingProposalStatus, TracingProposalStatus | undefined, TracingProposalStatus>;
  decided_by: string | null;
  decided_on: string | null;
  created_on: string;
  /** Keyed digest of the two persons as compared: a dismissed pair returns only when it changes (ADR 0162). */
  basis: ColumnType<Bytes | null, Bytes | null | undefined, Bytes | null>;
}

export type TracingConsentStatus = 'given' | 'refused' | 'withdrawn';
export type TracingConsentMethod = 'inbox' | 'in_person' | 'phone' | 'written';

/** The sought person's answer, on his case; message and contact under his case's key. */
export interface TracingConsentsTable {
  id: string;
  proposal_id: string;
  case_id: string;
  status: TracingConsentStatus;
  method: TracingConsentMethod;
  allows: string[];
  message_enc: Bytes | null;
  contact_enc: Bytes | null;
  recorded_by: string | null;
  recorded_on: string;
  withdrawn_on: string | null;
}

/** Inbox messages written by tracing (ids only): the Telegram bot never pushes their words (ADR 0161). */
export interface TracingMessagesTable {
  message_id: string;
  request_id: string;
}

export interface RateLimitCountsTable {
  /** A keyed hash of limiter, window and client key; the key changes every window. */
  bucket: Bytes;
  hits: number;
  expires_at: Date;
}

export interface InstanceLeasesTable {
  name: string;
  holder: string;
  expires_at: Date;
}

export interface FleetSealTable {
  id: ColumnType<number, number | undefined, never>;
  epoch: number;
}

export interface UnsealRequestsTable {
  id: string;
  public_key: Bytes;
  fingerprint: string;
  created_at: Timestamp;
  grant_enc: Bytes | null;
}

/** Referrals between Sanctuary servers (issue 14 item 5, ADR 0131): a peer server, added by pasting its identity card. */
export type FederationPeerState = 'unverified' | 'verified' | 'revoked';
export interface FederationPeersTable {
  id: string;
  label: string;
  endpoint: string;
  signing_key: string;
  encryption_key: string;
  fingerprint: string;
  state: FederationPeerState;
  added_by: string;
  verified_by: string | null;
  created_at: Timestamp;
  verified_at: Date | null;
  revoked_at: Date | null;
}

export type FederationPacketState = 'queued' | 'delivered' | 'failed' | 'filed' | 'recorded';
/** A packet sent (`out`, stored sealed to the peer) or received (`in`, only its digest and receipt). */
export interface FederationPacketsTable {
  id: string;
  direction: 'out' | 'in';
  kind: 'referral' | 'status';
  peer_id: string;
  state: FederationPacketState;
  local_ref: string | null;
  remote_ref: string | null;
  case_id: string | null;
  body: Bytes | null;
  body_hash: Bytes;
  receipt: string | null;
  created_at: Timestamp;
  delivered_at: Date | null;
  /** On an incoming referral: the last answer sent back, or `withdrawn` by the sender. */
  answer: 'accepted' | 'declined' | 'in_progress' | 'completed' | 'withdrawn' | null;
}

// ---- referral network (issue 14) ----------------------------------------------------------

export type PartnerKind =
  | 'host'
  | 'shelter'
  | 'lawyer'
  | 'counsellor'
  | 'psychologist'
  | 'medical'
  | 'transport'
  | 'organisation'
  | 'sanctuary_server';
export type PartnerVettingStatus = 'pending' | 'vetted' | 'flagged' | 'rejected';
export type ReferralState =
  | 'draft'
  | 'consent_recorded'
  | 'sent'
  | 'accepted'
  | 'declined'
  | 'in_progress'
  | 'completed'
  | 'withdrawn'
  | 'expired';
export type ConsentVia = 'inbox' | 'in_person' | 'phone' | 'video' | 'written';

export interface PartnersTable {
  id: string;
  kind: PartnerKind;
  country: string;
  languages: ColumnType<string[], string[] | undefined, string[]>;
  specialties: ColumnType<string[], string[] | undefined, string[]>;
  capacity_places: ColumnType<number, number | undefined, number>;
  capacity_from: string | null;
  capacity_until: string | null;
  vetting_status: ColumnType<PartnerVettingStatus, PartnerVettingStatus | undefined, PartnerVettingStatus>;
  vouched_by: string | null;
  vetted_by: string | null;
  vetted_at: Date | null;
  watchlist_hits: ColumnType<number, number | undefined, number>;
  name_index: number | null;
  city_index: number | null;
  details_enc: Bytes;
  accepted_count: ColumnType<number, number | undefined, number>;
  declined_count: ColumnType<number, number | undefined, number>;
  completed_count: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The verified federation peer a `sanctuary_server` partner is. */
  peer_id: string | null;
}

export interface PartnerMembersTable {
  staff_id: string;
  partner_id: string;
  created_at: Timestamp;
}

export interface ReferralsTable {
  id: string;
  case_id: string;
  partner_id: string;
  state: ReferralState;
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  consent_fields: ColumnType<string[], string[] | undefined, string[]>;
  consent_via: ConsentVia | null;
  consent_on: string | null;
  sensitive: ColumnType<boolean, boolean | undefined, boolean>;
  disclosure_approved_by: string | null;
  packet_enc: Bytes | null;
  respond_by: string | null;
  reminded_on: string | null;
  rerouted_from: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_on: string | null;
  answered_on: string | null;
  /** The fields the applicant is asked to agree to in the inbox (null: not asked). */
  consent_asked: string[] | null;
}

export interface ReferralEventsTable {
  id: string;
  referral_id: string;
  case_id: string;
  event: string;
  by_staff: string | null;
  by_partner: ColumnType<boolean, boolean | undefined, boolean>;
  note_enc: Bytes | null;
  at: Timestamp;
  seq: Generated<number>;
}

// ---- evidence custody (issue 16) -----------------------------------------------------------

export type EvidenceChannel =
  | 'applicant_upload'
  | 'applicant_message'
  | 'staff_upload'
  | 'interview'
  | 'testimony';
export type CustodyAction =
  | 'received'
  | 'viewed'
  | 'copied'
  | 'redacted'
  | 'exported'
  | 'transferred'
  | 'returned'
  | 'consent_recorded';
export type EvidenceDestination =
  | 'icc_otp'
  | 'un_coi_ukraine'
  | 'ua_prosecutor_general'
  | 'universal_jurisdiction'
  | 'journalists';

export interface EvidenceItemsTable {
  id: string;
  case_id: string;
  channel: EvidenceChannel;
  source_id: string | null;
  media_type: string;
  size_bytes: number;
  /** Of the exact bytes as they arrived, before any check or stripping. */
  sha256: Bytes;
  sha512: Bytes;
  /** 'applicant' or a staff id. */
  received_by: string;
  /** For applicant channels, the day only (DESIGN.md §2.3). */
  received_at: Date;
  name_enc: Bytes;
  /** EXIF / PDF information as it came with the file (JSON), under the case key. */
  metadata_enc: Bytes;
  /** The untouched evidentiary original, under the case key. */
  original_enc: Bytes;
}

export interface EvidenceCustodyTable {
  item_id: string;
  seq: number;
  at: Date;
  actor: string;
  action: CustodyAction;
  reason_enc: Bytes | null;
  item_sha256: Bytes;
  prev_hash: Bytes;
  hash: Bytes;
  key_id: string;
  public_key: string;
  signature: string;
}

export interface EvidenceTestimoniesTable {
  id: string;
  case_id: string;
  created_by: string;
  created_at: Timestamp;
}

export interface EvidenceTestimonyVersionsTable {
  testimony_id: string;
  version: number;
  language: 'ru' | 'uk' | 'en';
  body_enc: Bytes;
  created_by: string;
  created_at: Date;
  confirmed_by: string | null;
  confirmed_at: Date | null;
  confirmation_enc: Bytes | null;
  item_id: string | null;
}

export interface EvidenceConsentsTable {
  id: string;
  item_id: string;
  destination: EvidenceDestination;
  status: 'given' | 'refused' | 'not_asked';
  how: 'written' | 'oral_recorded' | 'oral_witnessed' | 'electronic' | null;
  identity: 'named' | 'pseudonym';
  notes_enc: Bytes | null;
  recorded_by: string;
  recorded_at: Date;
}
/** A unit or commander named in an evidence item (issue 16 item 7, ADR 0199). */
export interface EvidenceLinksTable {
  id: string;
  item_id: string;
  case_id: string;
  kind: 'unit' | 'commander';
  /** Blind index (12 bits) of the kind and the normalised name: candidates, never a match. */
  name_index: number;
  /** The name as staff wrote it, under the case key. */
  name_enc: Bytes;
  created_by: string;
  created_at: Date;
}
// ---- reports (issue 19; ADRs 0143-0146) ---------------------------------------------------

/** The day a case entered each status (written by a trigger on `cases`; ADR 0144). */
export interface CaseStatusHistoryTable {
  case_id: string;
  seq: Generated<number>;
  status: string;
  entered_on: string;
  left_on: string | null;
}

/** Report summary (ADR 0169): cases per ISO week (Monday), team ('' none), dimension and key, kept by triggers. */
export interface CaseWeekCountsTable {
  dim: string;
  week: string;
  team: string;
  key: string;
  n: number;
}

/** Report summary (ADR 0169): a histogram of whole days per kind, ISO week and team, kept by triggers. */
export interface CaseWeekDurationsTable {
  kind: string;
  week: string;
  team: string;
  days: number;
  n: number;
}

/** Cases by destination and route per ISO week of opening (ADR 0170): an encrypted, padded map, no case id. */
export interface PathwayDestinationCountsTable {
  week: string;
  body_enc: Bytes;
  updated_at: Generated<Date>;
}

/** The differential-privacy budget of a dataset: total ρ (zCDP) as an exact fraction "n/d". */
export interface ReportBudgetsTable {
  dataset: string;
  total_rho: string;
  updated_at: Timestamp;
}

/** A public statistics release: its parameters and the stored noisy counts (JSON in `body`). */
export interface ReportReleasesTable {
  id: string;
  dataset: string;
  query_key: string;
  rho: string;
  sigma2: string;
  period_from: string;
  period_to: string;
  body: string;
  created_by: string;
  created_at: Timestamp;
}

export interface EvidenceRedactionsTable {
  id: string;
  item_id: string;
  /** A testimony's pseudonym (kind 'pseudonym'), under the case key. */
  pseudonym_enc: Bytes | null;
  /** Of the redacted copy the second person reviewed. */
  redacted_sha256: Bytes;
  prepared_by: string;
  prepared_at: Date;
  confirmed_by: string | null;
  confirmed_at: Date | null;
  /** 'pseudonym' (testimony text) or 'image' (regions blurred or removed; ADR 0178). */
  kind: Generated<'pseudonym' | 'image'>;
  /** The image regions as JSON, under the case key (kind 'image'). */
  regions_enc: Bytes | null;
  /** The redacted working copy of an image, metadata stripped, under the case key (kind 'image'). */
  redacted_enc: Bytes | null;
}

/** A contact code of the high-assurance path (issue 20 item 6, ADR 0158): never the code itself. */
export interface HaContactCodesTable {
  id: string;
  /** Keyed hash (HMAC-SHA-256) of the normalised code. */
  lookup: Bytes;
  team_id: string;
  /** Optional label, encrypted under the code's own data key (subject `ha-code:<id>`). */
  label_enc: Bytes | null;
  issued_by: string;
  issued_at: Timestamp;
  expires_at: Date;
  revoked_at: Date | null;
  /** Day only. */
  used_on: string | null;
  case_id: string | null;
  /** Keyed hash of the request that used the code: only that same request may come again. */
  request_hash: Bytes | null;
}

// ---- witnessed checkpoints (issue 18 item 4, ADR 0175) ------------------------------------

/** Which signed chain a checkpoint is of. */
export type CheckpointLog = 'audit' | 'ledger';

/** A checkpoint a verified peer sent this server as its witness, with our countersignature. */
export interface WitnessCopiesTable {
  /** The origin's federation fingerprint. */
  origin: string;
  log: CheckpointLog;
  seq: number;
  head_hash: Bytes;
  /** The checkpoint as received (JSON). */
  checkpoint: string;
  countersignature: string;
  received_at: Date;
}

/** A countersignature one of our witnesses returned for one of our checkpoints. */
export interface WitnessReceiptsTable {
  /** The witness's federation fingerprint. */
  witness: string;
  log: CheckpointLog;
  seq: number;
  head_hash: Bytes;
  checkpoint: string;
  /** The countersignature as returned (JSON). */
  countersignature: string;
  received_at: Date;
}

/** Two different signed checkpoints for one log and sequence number: the fork alarm. */
export interface CheckpointForksTable {
  id: string;
  /** 'self' for this server's own logs, else the origin's federation fingerprint. */
  origin: string;
  log: CheckpointLog;
  seq: number;
  seen_by: 'witness' | 'origin' | 'verify';
  /** The witness that returned the other copy (seen by the origin), if any. */
  peer: string | null;
  first_head: Bytes;
  second_head: Bytes;
  first_checkpoint: string;
  second_checkpoint: string;
  raised_at: Timestamp;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
}

/** What a peer is to this server in the silence alarm (ADR 0213). */
export type WitnessPeerRole = 'origin' | 'witness';

/** The newest checkpoint exchanged with one peer (ADR 0213). */
export interface WitnessHeartbeatsTable {
  peer_role: WitnessPeerRole;
  /** The peer's federation fingerprint. */
  peer: string;
  /** The checkpoint's signed time, never later than its arrival; null before the first one. */
  last_checkpoint_at: Date | null;
  /** Since when this server expects checkpoints from (or countersignatures of) this peer. */
  watched_since: Date;
}

/** No checkpoint from (or countersigned by) a peer within the window: the silence alarm (ADR 0213). */
export interface WitnessSilencesTable {
  id: string;
  peer_role: WitnessPeerRole;
  peer: string;
  last_checkpoint_at: Date | null;
  raised_at: Date;
  /** When a checkpoint arrived again. */
  ended_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
}

// ---- notifications (issue 21 item 3, ADR 0187) ----------------------------------------------

/** One in-app notification: no content, only a kind, the case and the day (ADR 0187). */
export interface StaffNotificationsTable {
  id: string;
  staff_id: string;
  kind: 'new_case' | 'new_message';
  case_id: string;
  /** The case (new_case) or the message (new_message): one notification per person and event. */
  source_id: string;
  /** Day only, like the applicant's own timestamps. */
  created_on: ColumnType<string, string | undefined, never>;
  seq: ColumnType<number, never, never>;
  read: ColumnType<boolean, boolean | undefined, boolean>;
  emailed: ColumnType<boolean, boolean | undefined, boolean>;
}

/** A staff member's choice of an e-mail digest (ADR 0188). */
export interface StaffNotificationSettingsTable {
  staff_id: string;
  email_digest: ColumnType<boolean, boolean | undefined, boolean>;
  last_digest_at: Date | null;
}

/** The organisation's customisation, one row per version (ADR 0193); a draft has no published_at. */
export interface OrganisationVersionsTable {
  version: number;
  /** The public texts, contacts and questions (JSON, validated by the organisation module). */
  settings: unknown;
  /** The logo, re-encoded as PNG without metadata. */
  logo: Bytes | null;
  logo_width: number | null;
  logo_height: number | null;
  /** The staff-only contact person, encrypted under the subject "organisation". */
  contact_person_enc: Bytes | null;
  saved_by: string;
  saved_at: Generated<Timestamp>;
  published_by: string | null;
  published_at: Timestamp | null;
}
