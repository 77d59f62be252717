import { type Kysely, sql } from 'kysely';

/**
 * The audit log and its checkpoints become append-only in the database itself (ADR 0086): a
 * trigger refuses every UPDATE, DELETE and TRUNCATE, whoever asks. Nothing in Sanctuary
 * changes or removes an audit row (there is no retention of the audit log), so the trigger
 * only ever stops an intruder or a mistake. The table owner can still drop the trigger, so on
 * PostgreSQL the application runs as a role that owns nothing (docs/OPERATIONS.md, "Roles"):
 * revoked rights plus the trigger, and the hash chain and pinned checkpoints for whoever gets
 * past both. Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function audit_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'the audit log is append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end
    $$
  `.execute(db);
  for (const table of ['audit_log', 'audit_checkpoints']) {
    await sql`
      create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
      for each row execute function audit_append_only()
    `.execute(db);
    await sql`
      create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
      for each statement execute function audit_append_only()
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_log', 'audit_checkpoints']) {
    await sql`drop trigger ${sql.raw(`${table}_no_truncate`)} on ${sql.table(table)}`.execute(db);
    await sql`drop trigger ${sql.raw(`${table}_append_only`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function audit_append_only()`.execute(db);
}
