import { type Kysely, sql } from 'kysely';

/**
 * The referral network (issue 14, ADRs 0127-0130): partners (organisations and individual
 * hosts), the staff accounts that act for a partner in the partner portal, referrals of a case
 * to a partner with their events on the case timeline, and the messages between a partner and
 * the caseworker.
 *
 * What is in clear, and why (ADR 0128): a partner's kind, country, language codes,
 * specialties, capacity numbers and dates, vetting status and outcome counters describe the
 * service offered, not a person, and matching filters on them. Everything that names or
 * locates someone (name, city, contact, notes) is in `details_enc`, under the partner's own
 * data key; the name and the city are findable only through truncated blind indexes. A
 * referral's packet, reasons, notes and messages are encrypted under the case's data key.
 * Plain migration: never imports application code.
 */
const UP = [
  `create table partners (
    id uuid primary key,
    kind text not null check (kind in ('host', 'shelter', 'lawyer', 'counsellor', 'psychologist', 'medical', 'transport', 'organisation', 'sanctuary_server')),
    country text not null check (country ~ '^[A-Z]{2}$'),
    languages text[] not null default '{}',
    specialties text[] not null default '{}',
    capacity_places integer not null default 0 check (capacity_places between 0 and 10000),
    capacity_from date,
    capacity_until date,
    vetting_status text not null default 'pending' check (vetting_status in ('pending', 'vetted', 'flagged', 'rejected')),
    vouched_by uuid references staff (id),
    vetted_by uuid references staff (id),
    vetted_at timestamptz,
    watchlist_hits integer not null default 0,
    name_index integer,
    city_index integer,
    details_enc bytea not null,
    accepted_count integer not null default 0,
    declined_count integer not null default 0,
    completed_count integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (capacity_until is null or capacity_from is null or capacity_until >= capacity_from),
    check (vetting_status <> 'vetted' or (vetted_by is not null and vetted_by is distinct from vouched_by))
  )`,
  'create index partners_match on partners (country, vetting_status, kind)',
  'create index partners_name on partners (name_index)',
  'create index partners_city on partners (city_index)',
  `create table partner_members (
    staff_id uuid primary key references staff (id),
    partner_id uuid not null references partners (id),
    created_at timestamptz not null default now()
  )`,
  'create index partner_members_partner on partner_members (partner_id)',
  `create table referrals (
    id uuid primary key,
    case_id uuid not null references cases (id) on delete cascade,
    partner_id uuid not null references partners (id),
    state text not null check (state in ('draft', 'consent_recorded', 'sent', 'accepted', 'declined', 'in_progress', 'completed', 'withdrawn', 'expired')),
    paused boolean not null default false,
    consent_fields text[] not null default '{}',
    consent_via text check (consent_via in ('inbox', 'in_person', 'phone', 'video', 'written')),
    consent_on date,
    sensitive boolean not null default false,
    disclosure_approved_by uuid references staff (id),
    packet_enc bytea,
    respond_by date,
    reminded_on date,
    rerouted_from uuid references referrals (id),
    created_by uuid references staff (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    sent_on date,
    answered_on date,
    check (disclosure_approved_by is null or disclosure_approved_by is distinct from created_by)
  )`,
  'create index referrals_case on referrals (case_id)',
  'create index referrals_partner on referrals (partner_id, state)',
  `create index referrals_due on referrals (respond_by) where state = 'sent'`,
  `create table referral_events (
    id uuid primary key,
    referral_id uuid not null references referrals (id) on delete cascade,
    case_id uuid not null references cases (id) on delete cascade,
    event text not null check (length(event) between 1 and 40),
    by_staff uuid references staff (id),
    by_partner boolean not null default false,
    note_enc bytea,
    at timestamptz not null default now(),
    seq bigint not null default nextval('case_timeline_seq')
  )`,
  'create index referral_events_case on referral_events (case_id, seq)',
  'create index referral_events_referral on referral_events (referral_id, seq)',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (pg and PGlite) refuses several at once.
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['referral_events', 'referrals', 'partner_members', 'partners']) {
    await sql.raw(`drop table ${t}`).execute(db);
  }
}
