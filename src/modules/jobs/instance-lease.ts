import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * A leader lease in the database (ADR 0117): work that must run on exactly one instance at a
 * time (Telegram long polling, delivering staff replies into chats) runs only while this
 * instance holds the named lease. The holder renews it well before it expires; when the
 * holder stops, it releases it, and when it dies, another instance takes it over once it
 * has expired. Clocks of the instances are assumed to agree within a few seconds (NTP); the
 * lease time is much longer than that.
 */
export class InstanceLease {
  readonly name: string;
  readonly holder: string;
  readonly #db: () => Db;
  readonly #ttlMs: number;

  constructor(options: { db: () => Db; name: string; ttlMs: number; holder?: string }) {
    this.name = options.name;
    this.holder = options.holder ?? randomUUID();
    this.#db = options.db;
    this.#ttlMs = options.ttlMs;
  }

  /**
   * Takes or renews the lease; true while this instance holds it. One statement: it takes a
   * free or expired lease, renews our own, and leaves another holder's live lease alone.
   */
  async acquire(now = Date.now()): Promise<boolean> {
    const expires = new Date(now + this.#ttlMs);
    const row = await sql<{ holder: string }>`
      insert into instance_leases (name, holder, expires_at)
      values (${this.name}, ${this.holder}, ${expires})
      on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where instance_leases.holder = excluded.holder or instance_leases.expires_at <= ${new Date(now)}
      returning holder
    `.execute(this.#db());
    return row.rows[0]?.holder === this.holder;
  }

  /** Gives the lease up (graceful stop), so that another instance takes over at once. */
  async release(): Promise<void> {
    await this.#db()
      .deleteFrom('instance_leases')
      .where('name', '=', this.name)
      .where('holder', '=', this.holder)
      .execute();
  }
}
