import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import { DecryptionError, HandoffKeyPair, handoffFingerprint, Keyring } from '../../crypto/index.ts';
import type { Db, SanctuaryDatabase } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { auditTrust, recordAudit } from '../audit/index.ts';
import { findActiveKeyMaterial } from './keys.repository.ts';
import type { Vault } from './vault.ts';

/**
 * What the fleet watcher needs of the running process (an AppContext has it). Named here, not
 * imported from context.ts, which sits above the keys module in the module order.
 */
export interface FleetContext {
  readonly config: Config;
  readonly database: SanctuaryDatabase;
  readonly vault: Vault;
  readonly logger: Logger;
}

/**
 * Several instances of one deployment (ADR 0116).
 *
 * - **Seal every instance.** "Seal now" raises the epoch in `fleet_seal`; every unsealed
 *   instance reads it every few seconds and seals itself when it has risen since it unsealed.
 * - **Unseal the others without typing shares again.** A sealed instance publishes a one-time
 *   X25519 public key (`unseal_requests`) and logs its fingerprint. An operator who sees that
 *   fingerprint on the new instance approves it on an unsealed one (`sanctuary unseal approve
 *   FINGERPRINT`, admin socket). The unsealed instance seals its keyring to that public key;
 *   only the new instance's memory can open it. The new instance accepts the keyring only if
 *   it is the deployment's (the stored verifier, and the audit key pinned in its own config,
 *   which the database cannot change).
 */

/** How often an instance looks at the seal epoch, and a sealed one for its hand-off. */
export const FLEET_POLL_MS = 2_000;
/** An approval must come within this time of the request. */
export const HANDOFF_TTL_MS = 15 * 60_000;

export async function readSealEpoch(db: Db): Promise<number> {
  const row = await db.selectFrom('fleet_seal').select('epoch').where('id', '=', 1).executeTakeFirst();
  return Number(row?.epoch ?? 0);
}

/** "Seal now" for every instance: raises the epoch that all of them watch. */
export async function raiseSealEpoch(db: Db): Promise<void> {
  await db
    .updateTable('fleet_seal')
    .set((eb) => ({ epoch: eb('epoch', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

/**
 * One instance's watch on the fleet: seals it when the epoch rises, and while it is sealed
 * keeps a hand-off request open. `check()` is one round (the timer calls it; tests too).
 */
export class FleetWatcher {
  readonly #ctx: FleetContext;
  #epoch: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #request: { id: string; pair: HandoffKeyPair } | undefined;
  #round: Promise<void> | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Counts seals and unseals: a round that spanned one does not act on what it read before. */
  #generation = 0;
  readonly #unsubscribe: () => void;

  constructor(ctx: FleetContext) {
    this.#ctx = ctx;
    // Whatever unsealed this instance (shares, hand-off, dev key), it now follows the epoch
    // from the value it has at this moment, and needs no hand-off any more.
    this.#unsubscribe = ctx.vault.onChange((sealed) => {
      this.#generation += 1;
      if (!sealed) {
        this.#epoch = undefined;
        void this.#closeRequest();
      }
    });
  }

  /** The fingerprint an operator approves, while this instance waits for a hand-off. */
  get fingerprint(): string | undefined {
    return this.#request?.pair.fingerprint;
  }

  start(options: { handoff: boolean }): void {
    const round = () => {
      if (this.#round !== undefined) return;
      this.#round = this.check(options)
        .catch((err: unknown) =>
          this.#ctx.logger.warn(
            { err: { name: err instanceof Error ? err.name : 'Error' } },
            'fleet check failed; will retry',
          ),
        )
        .finally(() => {
          this.#round = undefined;
        });
    };
    round();
    this.#timer = setInterval(round, FLEET_POLL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#unsubscribe();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#round;
    await this.#chain;
    await this.#closeRequest();
  }

  /**
   * One round: seal on a raised epoch; or, sealed, open a hand-off request and take its grant.
   * Rounds never overlap (the timer's and a caller's run one after the other).
   */
  check(options: { handoff: boolean }): Promise<void> {
    const run = this.#chain.then(() => this.#check(options));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #check(options: { handoff: boolean }): Promise<void> {
    const { vault, database, logger } = this.#ctx;
    if (!vault.sealed) {
      const generation = this.#generation;
      const epoch = await readSealEpoch(database.db);
      if (generation !== this.#generation) return;
      if (this.#epoch === undefined) this.#epoch = epoch;
      else if (epoch > this.#epoch) {
        vault.seal();
        logger.warn('sealed: "Seal now" was given on another instance of this deployment');
      }
      return;
    }
    if (!options.handoff) return;
    if (this.#request === undefined) {
      const pair = new HandoffKeyPair();
      const id = randomUUID();
      await database.db
        .insertInto('unseal_requests')
        .values({ id, public_key: pair.publicKey, fingerprint: pair.fingerprint })
        .execute();
      this.#request = { id, pair };
      logger.warn(
        { fingerprint: pair.fingerprint },
        'sealed: an operator can unseal this instance from an unsealed one with "sanctuary unseal approve <fingerprint>"',
      );
      return;
    }
    const row = await database.db
      .selectFrom('unseal_requests')
      .select('grant_enc')
      .where('id', '=', this.#request.id)
      .executeTakeFirst();
    if (row === undefined) {
      // Withdrawn (expired, or removed by someone): ask again with a new key pair.
      this.#request = undefined;
      return;
    }
    if (row.grant_enc === null) return;
    await this.#accept(Buffer.from(row.grant_enc));
  }

  async #accept(grant: Buffer): Promise<void> {
    const { vault, database, logger, config } = this.#ctx;
    const request = this.#request!;
    let keyring: Keyring;
    try {
      keyring = Keyring.fromHandoff(
        request.pair,
        grant,
        handoffContext(request.id, request.pair.fingerprint),
      );
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      logger.error('an unseal hand-off could not be opened: refused (a new request follows)');
      await this.#closeRequest();
      return;
    }
    const active = await findActiveKeyMaterial(database.db);
    const trust = auditTrust(config.audit, keyring);
    if (
      active === undefined ||
      active.key_id !== keyring.keyId ||
      active.verifier !== keyring.verifier() ||
      trust.mismatch !== undefined
    ) {
      keyring.seal();
      logger.error("an unseal hand-off carried a key that is not this deployment's: refused");
      await recordAudit(database.db, {
        actor: 'system',
        action: 'server.unseal_failed',
        target: active === undefined ? null : `key:${active.key_id}`,
        reason: 'hand-off key does not match',
      });
      await this.#closeRequest();
      return;
    }
    vault.unsealWith(keyring, 'shamir');
    await recordAudit(database.db, {
      actor: 'system',
      action: 'server.unseal',
      target: `key:${keyring.keyId}`,
      reason: `hand-off ${request.pair.fingerprint}`,
    });
    logger.warn('unsealed by a hand-off from another instance of this deployment');
  }

  async #closeRequest(): Promise<void> {
    const request = this.#request;
    this.#request = undefined;
    if (request !== undefined) {
      await this.#ctx.database.db.deleteFrom('unseal_requests').where('id', '=', request.id).execute();
    }
  }
}

function handoffContext(id: string, fingerprint: string): string {
  return `${id}|${fingerprint}`;
}

/** What an operator types: the fingerprint in any case, with or without dashes. */
export function normaliseFingerprint(text: string): string | undefined {
  const hex = text.toLowerCase().replace(/[\s-]/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return hex.match(/.{4}/g)!.join('-');
}

/**
 * On an unsealed instance: seals its keyring to the sealed instance whose fingerprint the
 * operator approved (read off that instance's log or admin socket). Audited.
 */
export async function approveHandoff(
  ctx: FleetContext,
  actor: string,
  fingerprintText: string,
  now = Date.now(),
): Promise<{ fingerprint: string }> {
  const keyring = ctx.vault.requireKeyring();
  const fingerprint = normaliseFingerprint(fingerprintText);
  if (fingerprint === undefined) {
    throw new AppError('validation_failed', 'a fingerprint is 32 hexadecimal digits, e.g. 1a2b-3c4d-…');
  }
  const db = ctx.database.db;
  const row = await db
    .selectFrom('unseal_requests')
    .selectAll()
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
  // The fingerprint is recomputed from the stored public key: a row whose key was swapped
  // (by someone who can write the database) no longer matches what the operator approved.
  if (
    row === undefined ||
    row.grant_enc !== null ||
    handoffFingerprint(row.public_key) !== fingerprint ||
    now - new Date(row.created_at).getTime() > HANDOFF_TTL_MS
  ) {
    throw new AppError('not_found', 'no open unseal request has this fingerprint');
  }
  const grant = keyring.sealForHandoff(Buffer.from(row.public_key), handoffContext(row.id, fingerprint));
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('unseal_requests').set({ grant_enc: grant }).where('id', '=', row.id).execute();
    await recordAudit(trx, {
      actor,
      action: 'server.unseal_handoff',
      target: `key:${keyring.keyId}`,
      reason: `instance ${fingerprint}`,
    });
  });
  return { fingerprint };
}

const watchers = new WeakMap<FleetContext, FleetWatcher>();

/** Starts the fleet watch of a built app (app.ts); stopped with it. */
export function startFleetWatcher(ctx: FleetContext, options: { handoff: boolean }): FleetWatcher {
  const watcher = new FleetWatcher(ctx);
  watchers.set(ctx, watcher);
  watcher.start(options);
  return watcher;
}

/** The fleet watch of a built app (tests). */
export function fleetWatcherOf(ctx: FleetContext): FleetWatcher | undefined {
  return watchers.get(ctx);
}

/** The fingerprint this instance waits to have approved, for the admin status. */
export function handoffStatus(ctx: FleetContext): { handoffFingerprint: string | null } {
  return { handoffFingerprint: watchers.get(ctx)?.fingerprint ?? null };
}
