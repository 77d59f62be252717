/**
 * Publishing signed content packs to the running server (ADR 0103). A pack arrives through the
 * local admin channel (`sanctuary pathways pack publish P`), is verified against the keys in
 * SANCTUARY_PATHWAYS_PACK_KEYS and validated like built-in content, must be newer than the pack
 * serving now (unless forced: an audited rollback), is kept as `<dataDir>/pathways/current-pack.json`
 * so that it serves again after a restart, and only then replaces the knowledge base in memory.
 * Every load and every refusal is audited. A refused pack changes nothing: the previous content
 * keeps serving.
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { Config } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { writeSyncedFile } from '../../platform/files.ts';
import { recordAudit } from '../audit/index.ts';
import { PathwaysContentError } from './content-loader.ts';
import {
  ContentPackError,
  MAX_PACK_BYTES,
  openContentPack,
  type PackInfo,
  type VerifiedPack,
} from './content-pack.ts';
import { getKnowledgeBase, installContentPack, servingContentPack } from './knowledge.ts';
import { canPublishContentPack } from './pathways.policy.ts';

/** Where the accepted pack is kept, to serve again after a restart. */
export function contentPackFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'pathways', 'current-pack.json');
}

export interface PublishOutcome {
  /** `installed`: the pack serves now; `unchanged`: it was already serving (a retry). */
  outcome: 'installed' | 'unchanged';
  pack: PackInfo;
  /** The content version that served before. */
  previousVersion: string;
}

/** Why a pack was refused, as one line: the pack's own problem, or every content issue. */
function refusalText(error: ContentPackError | PathwaysContentError): string {
  return error instanceof ContentPackError
    ? error.message
    : `the content is invalid: ${error.issues.join('; ')}`;
}

function verify(config: Config, bytes: Buffer): VerifiedPack {
  if (config.pathwaysPackKeys.length === 0) {
    throw new ContentPackError(
      'no content-pack key is trusted: set SANCTUARY_PATHWAYS_PACK_KEYS to the public key printed by `sanctuary pathways pack keygen`',
    );
  }
  return openContentPack(bytes, { trustedKeys: config.pathwaysPackKeys });
}

async function auditRefusal(ctx: AppContext, actor: string, reason: string): Promise<void> {
  await recordAudit(ctx.database.db, { actor, action: 'pathways.pack_refused', target: null, reason });
}

// One publication at a time in this process: two packs racing would both pass the rollback check.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Verifies a content pack and makes it the content this server serves. Refusals throw AppError
 * `validation_failed` (a bad pack) or `conflict` (older than the serving pack; pass `force` to
 * roll back), both audited, and leave the serving content as it was.
 */
export async function publishContentPack(
  ctx: AppContext,
  actor: Actor,
  bytes: Buffer,
  options: { force: boolean },
): Promise<PublishOutcome> {
  requireAllowed(canPublishContentPack(actor), 'publish a pathways content pack');
  const run = queue.then(() => publishNow(ctx, actorLabel(actor), bytes, options));
  queue = run.catch(() => undefined);
  return run;
}

async function publishNow(
  ctx: AppContext,
  actor: string,
  bytes: Buffer,
  { force }: { force: boolean },
): Promise<PublishOutcome> {
  let verified: VerifiedPack;
  try {
    verified = verify(ctx.config, bytes);
  } catch (error) {
    if (!(error instanceof ContentPackError || error instanceof PathwaysContentError)) throw error;
    const reason = refusalText(error);
    await auditRefusal(ctx, actor, reason);
    throw new AppError('validation_failed', `content pack refused: ${reason}`);
  }
  const { info, knowledgeBase } = verified;
  const serving = servingContentPack();
  const previousVersion = (await getKnowledgeBase().catch(() => undefined))?.version ?? 'none';
  if (serving !== undefined && serving.contentVersion === info.contentVersion) {
    return { outcome: 'unchanged', pack: info, previousVersion };
  }
  // Anti-rollback: an old, validly signed pack (with the dangerous fact it corrected) must not
  // come back by mistake or by an intruder's hand. Creation times come from the signed manifest.
  // Compared as instants: the same time may be written with or without milliseconds.
  const rollback = serving !== undefined && Date.parse(info.created) <= Date.parse(serving.created);
  if (rollback && !force) {
    const reason = `the pack was created ${info.created}, not after the serving pack (${serving.created}); publish with --force to roll back`;
    await auditRefusal(ctx, actor, reason);
    throw new AppError('conflict', `content pack refused: ${reason}`);
  }

  const file = contentPackFile(ctx.config);
  const tmp = `${file}.tmp`;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeSyncedFile(tmp, bytes, 0o600, 'w');
  try {
    // The audit entry and the file that makes the pack survive a restart go together: if the
    // audit cannot be written, the pack is not kept and does not serve.
    await ctx.database.db.transaction().execute(async (trx) => {
      await recordAudit(trx, {
        actor,
        action: 'pathways.pack_publish',
        target: info.contentVersion,
        reason: `created ${info.created}; signer ${info.signer}; previous ${previousVersion}${rollback ? '; forced rollback' : ''}`,
      });
      await rename(tmp, file);
    });
  } finally {
    await rm(tmp, { force: true });
  }
  installContentPack(knowledgeBase, info);
  ctx.logger.info(
    {
      contentVersion: info.contentVersion,
      created: info.created,
      signer: info.signer,
      forcedRollback: rollback,
    },
    'pathways content pack published',
  );
  return { outcome: 'installed', pack: info, previousVersion };
}

/**
 * At start-up: serves the kept pack again, if there is one and it still verifies with the
 * configured keys and validates with this release's loader. Otherwise the built-in content serves
 * and the refusal is logged and audited. Never throws for a bad pack: the server must start.
 */
export async function loadKeptContentPack(ctx: AppContext): Promise<PackInfo | undefined> {
  const file = contentPackFile(ctx.config);
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.size > MAX_PACK_BYTES)
      throw new ContentPackError(`the kept pack is larger than ${MAX_PACK_BYTES} bytes`);
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (!(error instanceof ContentPackError)) throw error;
    return refuseKept(ctx, error.message);
  }
  let verified: VerifiedPack;
  try {
    verified = verify(ctx.config, bytes);
  } catch (error) {
    if (!(error instanceof ContentPackError || error instanceof PathwaysContentError)) throw error;
    return refuseKept(ctx, refusalText(error));
  }
  installContentPack(verified.knowledgeBase, verified.info);
  await recordAudit(ctx.database.db, {
    actor: 'system',
    action: 'pathways.pack_load',
    target: verified.info.contentVersion,
    reason: `created ${verified.info.created}; signer ${verified.info.signer}; at start-up`,
  });
  ctx.logger.info(
    {
      contentVersion: verified.info.contentVersion,
      created: verified.info.created,
      signer: verified.info.signer,
    },
    'serving the pathways content pack kept in the data directory instead of the built-in content',
  );
  return verified.info;
}

async function refuseKept(ctx: AppContext, reason: string): Promise<undefined> {
  ctx.logger.error({ reason }, 'the kept pathways content pack was refused; serving the built-in content');
  await auditRefusal(ctx, 'system', `kept pack at start-up: ${reason}`);
  return undefined;
}
