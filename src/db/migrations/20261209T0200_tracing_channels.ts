import { type Kysely, sql } from 'kysely';

/**
 * Family tracing through Telegram and the partner API, and re-matching (issue 20 item 5,
 * ADRs 0161-0162):
 *
 * - `tracing_requests.source` also names the Telegram bot and a partner; `idempotency_hash`
 *   (a keyed digest of the channel's retry key: Telegram chat and update, or partner and
 *   Idempotency-Key) makes a retried filing answer the first one; `request_hash` (a keyed
 *   digest of what was sent) tells a true retry from a reused key.
 * - `tracing_proposals.basis`: a keyed digest of the two persons as they were compared, so a
 *   dismissed proposal is proposed again only when that data changed.
 * - `tracing_messages`: which inbox messages tracing wrote (ids only), so that the Telegram
 *   bot tells a family to read them in the inbox instead of pushing their words into Telegram.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`alter table tracing_requests drop constraint tracing_requests_source_check`,
    sql`
      alter table tracing_requests add constraint tracing_requests_source_check
        check (source in ('applicant', 'staff', 'telegram', 'partner'))
    `,
    sql`alter table tracing_requests add column idempotency_hash bytea`,
    sql`alter table tracing_requests add column request_hash bytea`,
    sql`
      create unique index tracing_requests_idempotency on tracing_requests (idempotency_hash)
        where idempotency_hash is not null
    `,
    sql`alter table tracing_proposals add column basis bytea`,
    sql`
      create table tracing_messages (
        message_id uuid primary key references case_messages (id) on delete cascade,
        request_id uuid not null references tracing_requests (id) on delete cascade
      )
    `,
    sql`create index tracing_messages_request on tracing_messages (request_id)`,
  ]) {
    await statement.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`drop table tracing_messages`,
    sql`alter table tracing_proposals drop column basis`,
    sql`drop index tracing_requests_idempotency`,
    sql`alter table tracing_requests drop column request_hash`,
    sql`alter table tracing_requests drop column idempotency_hash`,
    sql`delete from tracing_requests where source in ('telegram', 'partner')`,
    sql`alter table tracing_requests drop constraint tracing_requests_source_check`,
    sql`
      alter table tracing_requests add constraint tracing_requests_source_check
        check (source in ('applicant', 'staff'))
    `,
  ]) {
    await statement.execute(db);
  }
}
