import { type Kysely, sql } from 'kysely';

/**
 * Pathway checks saved to a case (issue 5): one row per check, on the case timeline (it takes
 * its place from the sequence shared by notes, messages, tasks and events).
 *
 * `payload_enc` holds the profile used and the ranked outcome, encrypted with the case's data
 * key (AAD case_pathway_checks|payload|id). The content version (a SHA-256 of the knowledge
 * base files) and the evaluation day stay in plaintext: they describe the knowledge base, not
 * the person, and they let a reviewer find every check made with content later found wrong
 * (ADR 0061). Plain migration: never imports application code.
 */
const UP = [
  `create table case_pathway_checks (
    id uuid primary key,
    case_id uuid not null references cases (id) on delete cascade,
    author_id uuid references staff (id),
    content_version text not null check (content_version ~ '^[0-9a-f]{64}$'),
    evaluated_on date not null,
    payload_enc bytea not null,
    at timestamptz not null default now(),
    seq bigint not null default nextval('case_timeline_seq')
  )`,
  'create index case_pathway_checks_case_seq on case_pathway_checks (case_id, seq)',
  'create index case_pathway_checks_version on case_pathway_checks (content_version)',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (pg and PGlite) refuses several at once.
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table case_pathway_checks').execute(db);
}
