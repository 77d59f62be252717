import { type Kysely, sql } from 'kysely';

/**
 * Background jobs, in-app record linkage and the vetting review queue.
 *
 * - `jobs`: a small generic queue claimed with FOR UPDATE SKIP LOCKED (payloads hold ids,
 *   never personal data; `last_error` holds an error name or code, never a message).
 * - `linkage_block_index`: blind indexes (truncated HMAC) of the linkage engine's blocking
 *   keys of each case's person, so that candidates are found without decrypting every row.
 * - `vetting_signals` (+ the cases each one concerns), `vetting_decisions`: the review queue.
 *   Explanations and reasons are AES-256-GCM under the vetting data key.
 * - `linkage_labels`: reviewed pairs of cases (same person or not), the labelled pairs that
 *   the next model estimate uses; `linkage_models`: estimated m/u probabilities (aggregates).
 * - `watchlists`, `watchlist_entries`, `watchlist_block_index`: imported watchlists, stored
 *   encrypted under a per-list data key, with blind indexes of their blocking keys or tokens.
 *
 * The last statement queues one backfill job: existing cases get their blocking index and
 * are linked once the server is unsealed. Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (pg and PGlite) refuses several at once.
  for (const statement of UP.split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    await sql.raw(statement).execute(db);
  }
}

const UP = `
    create table jobs (
      id uuid primary key,
      kind text not null check (kind ~ '^[a-z][a-z0-9_.]{1,60}$'),
      payload jsonb not null default '{}',
      dedupe_key text check (length(dedupe_key) <= 200),
      state text not null default 'queued' check (state in ('queued', 'running', 'done', 'failed')),
      attempts integer not null default 0,
      max_attempts integer not null default 8 check (max_attempts between 1 and 100),
      run_after timestamptz not null default now(),
      locked_until timestamptz,
      last_error text check (length(last_error) <= 200),
      created_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create index jobs_queued on jobs (run_after, created_at) where state = 'queued';
    create index jobs_running on jobs (locked_until) where state = 'running';
    create index jobs_finished on jobs (finished_at) where state in ('done', 'failed');
    create unique index jobs_dedupe on jobs (dedupe_key) where state = 'queued';

    create table linkage_block_index (
      case_id uuid not null references cases (id) on delete cascade,
      key smallint not null check (key between 0 and 17),
      value integer not null,
      primary key (case_id, key)
    );
    create index linkage_block_lookup on linkage_block_index (key, value);

    create table watchlists (
      id uuid primary key,
      label_enc bytea not null,
      format text not null check (format in ('clk', 'plain')),
      fingerprint text check (fingerprint ~ '^[0-9a-f]{16}$'),
      secret_enc bytea,
      clk_bits integer check (clk_bits between 128 and 8192),
      clk_hardening text check (clk_hardening in ('none', 'xor-fold', 'balance')),
      entries integer not null default 0,
      imported_by uuid references staff (id),
      imported_at timestamptz not null default now(),
      retired_at timestamptz,
      check (format = 'plain' or secret_enc is not null or retired_at is not null)
    );

    create table watchlist_entries (
      id uuid primary key,
      watchlist_id uuid not null references watchlists (id) on delete cascade,
      entry_enc bytea not null
    );
    create index watchlist_entries_list on watchlist_entries (watchlist_id);

    create table watchlist_block_index (
      entry_id uuid not null references watchlist_entries (id) on delete cascade,
      watchlist_id uuid not null references watchlists (id) on delete cascade,
      key smallint not null check (key between 0 and 17),
      value integer not null,
      primary key (entry_id, key)
    );
    create index watchlist_block_lookup on watchlist_block_index (watchlist_id, key, value);

    create table vetting_signals (
      id uuid primary key,
      kind text not null check (kind in ('duplicate', 'shared_phone', 'codenames', 'watchlist')),
      pair_key text not null check (length(pair_key) <= 400),
      watchlist_entry_id uuid references watchlist_entries (id) on delete set null,
      score real not null,
      detail_enc bytea not null,
      status text not null default 'open'
        check (status in ('open', 'more_info', 'same', 'different', 'superseded')),
      raised_on date not null default current_date,
      updated_at timestamptz not null default now(),
      version integer not null default 1,
      unique (kind, pair_key)
    );
    create index vetting_signals_queue on vetting_signals (status, score desc, id);

    create table vetting_signal_cases (
      signal_id uuid not null references vetting_signals (id) on delete cascade,
      case_id uuid not null references cases (id) on delete cascade,
      primary key (signal_id, case_id)
    );
    create index vetting_signal_cases_case on vetting_signal_cases (case_id);

    create table vetting_decisions (
      id uuid primary key,
      signal_id uuid not null references vetting_signals (id) on delete cascade,
      decision text not null check (decision in ('same', 'different', 'more_info')),
      reason_enc bytea not null,
      decided_by uuid not null references staff (id),
      decided_at timestamptz not null default now()
    );
    create index vetting_decisions_signal on vetting_decisions (signal_id, decided_at);

    create table linkage_labels (
      case_a uuid not null references cases (id) on delete cascade,
      case_b uuid not null references cases (id) on delete cascade,
      match boolean not null,
      decision_id uuid not null references vetting_decisions (id) on delete cascade,
      labelled_at timestamptz not null default now(),
      primary key (case_a, case_b),
      check (case_a < case_b)
    );

    create table linkage_models (
      id bigint generated always as identity primary key,
      model jsonb not null,
      matches integer not null,
      non_matches integer not null,
      created_at timestamptz not null default now()
    );

    insert into jobs (id, kind, payload, dedupe_key)
      values ('6f1d2c3e-0000-4000-8000-000000000001', 'linkage.backfill', '{}', 'linkage.backfill')
`;

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'drop table linkage_models',
    'drop table linkage_labels',
    'drop table vetting_decisions',
    'drop table vetting_signal_cases',
    'drop table vetting_signals',
    'drop table watchlist_block_index',
    'drop table watchlist_entries',
    'drop table watchlists',
    'drop table linkage_block_index',
    'drop table jobs',
  ]) {
    await sql.raw(statement).execute(db);
  }
}
