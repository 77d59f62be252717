import type { ColumnType, Generated, Selectable } from 'kysely';

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
}

export interface StaffEnrolmentsTable {
  token_hash: Bytes;
  staff_id: string;
  totp_secret_enc: Bytes;
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
}

export interface CaseNotesTable {
  id: string;
  case_id: string;
  author_id: string | null;
  body_enc: Bytes;
  created_at: Timestamp;
}

export interface Database {
  key_material: KeyMaterialTable;
  data_keys: DataKeysTable;
  staff: StaffTable;
  staff_enrolments: StaffEnrolmentsTable;
  staff_sessions: StaffSessionsTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  cases: CasesTable;
  case_notes: CaseNotesTable;
}

export type KeyMaterialRow = Selectable<KeyMaterialTable>;
export type DataKeyRow = Selectable<DataKeysTable>;
export type StaffRow = Selectable<StaffTable>;
export type StaffEnrolmentRow = Selectable<StaffEnrolmentsTable>;
export type StaffSessionRow = Selectable<StaffSessionsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type CaseRow = Selectable<CasesTable>;
