import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { CliActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { socketIsLive } from '../../platform/unix-socket.ts';
import {
  type AuditCheckpoint,
  type AuditVerification,
  appendCheckpointFile,
  auditTrust,
  createAuditCheckpoint,
  listStoredCheckpoints,
  pushToWitnesses,
  readCheckpointFile,
  verifyAuditChain,
} from '../audit/index.ts';
import { createStaff } from '../auth/index.ts';
import { exportPacket, importPacketFile } from '../federation/index.ts';
import { approveHandoff, handoffStatus, submitUnsealShare } from '../keys/index.ts';
import { checkpointLedgerIfMoved, type LedgerVerification, verifyLedger } from '../ledger/index.ts';
import { MAX_PACK_BYTES, publishContentPack } from '../pathways/index.ts';
import { budgets, setBudget } from '../reports/index.ts';
import {
  compareWithWitnesses,
  exportCopies,
  listAllForks,
  listAllSilences,
  queueWitnessPushes,
  type WitnessedCheckpoint,
} from '../witness/index.ts';
import { sealFromActor } from './admin.service.ts';
import { rotateWithApproval } from './key-rotation-act.ts';

/**
 * The local admin channel: a unix socket in `<dataDir>/run/` (directory 0700, socket
 * 0600). Only the account that runs Sanctuary (and root) can connect, so the file
 * system is the authentication: no token file to leak, nothing listening on a network
 * interface, and nothing a reverse proxy could forward by mistake. The CLI (`sanctuary
 * unseal`, `seal`, `staff create`, `audit checkpoint`) talks to the running server
 * through it. See docs/adr/0004-local-admin-channel.md.
 */
const CLI: CliActor = { kind: 'cli', id: 'cli' };
/** Bodies are small, except the witness checkpoints `audit verify --witness` sends (~350 bytes each). */
const MAX_BODY = 1024 * 1024;
/** A content pack travels as base64 in the body: the pack limit, plus a third, plus the envelope. */
const MAX_PACK_BODY = Math.ceil((MAX_PACK_BYTES * 4) / 3) + 1024;

async function readJson(request: IncomingMessage, maxBody: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw new AppError('payload_too_large', 'admin request too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new AppError('bad_request', 'admin request is not JSON');
  }
}

export function checkpointFilePath(ctx: AppContext): string {
  return `${ctx.config.dataDir}/audit/checkpoints.jsonl`;
}

/**
 * Signs the audit head, stores it, appends it to the local file, and pushes it to the
 * witnesses the operator configured (ADR 0085). A witness that fails is logged; the
 * checkpoint stands.
 */
export async function writeCheckpoint(ctx: AppContext) {
  const checkpoint = await createAuditCheckpoint(ctx.database.db, ctx.vault.requireKeyring());
  if (checkpoint !== undefined) {
    await appendCheckpointFile(checkpointFilePath(ctx), checkpoint);
    await pushToWitnesses(ctx.config.audit, checkpoint, ctx.logger);
    // Witness peers get it through the job runner, which retries: the writer never waits (ADR 0175).
    await queueWitnessPushes(ctx, 'audit', checkpoint);
  }
  // The ledger's head is signed on the same beat, when it moved (ADR 0119), with a local copy.
  const ledger = await checkpointLedgerIfMoved(ctx.database.db, ctx.vault.requireKeyring());
  if (ledger !== undefined) {
    await appendCheckpointFile(ledgerCheckpointFilePath(ctx), ledger);
    await queueWitnessPushes(ctx, 'ledger', ledger);
  }
  return checkpoint;
}

export function ledgerCheckpointFilePath(ctx: AppContext): string {
  return `${ctx.config.dataDir}/ledger/checkpoints.jsonl`;
}

/**
 * `sanctuary ledger verify`: the ledger's chain, double entry, balances and limits, with its
 * checkpoints from the database, the local file and any witness copies, against the pinned
 * audit key (the ledger is signed with the organisation's audit key).
 */
export async function verifyLedgerFor(
  ctx: AppContext,
  extra: readonly AuditCheckpoint[] = [],
): Promise<LedgerVerification & { pinned: boolean; countersigned?: number }> {
  const trust = auditTrust(ctx.config.audit, ctx.vault.sealed ? undefined : ctx.vault.requireKeyring());
  const pinned = trust.fingerprints.length > 0;
  if (trust.mismatch !== undefined) {
    return {
      ok: false,
      entries: 0,
      events: 0,
      transfers: 0,
      accounts: 0,
      checkpointsChecked: 0,
      problem: trust.mismatch,
      pinned,
    };
  }
  const local = await readCheckpointFile(ledgerCheckpointFilePath(ctx));
  // Every copy, the witnesses' countersigned ones too, compared for forks first (ADR 0175).
  const witnessed = await compareWithWitnesses(
    ctx,
    'ledger',
    local,
    extra as WitnessedCheckpoint[],
    trust.fingerprints,
  );
  const result = await verifyLedger(ctx.database.db, {
    checkpoints: witnessed.checkpoints,
    trustedFingerprints: trust.fingerprints,
  });
  if (witnessed.problems.length > 0) {
    return {
      ...result,
      ok: false,
      problem: witnessed.problems.join('; '),
      pinned,
      countersigned: witnessed.countersigned,
    };
  }
  return { ...result, pinned, countersigned: witnessed.countersigned };
}

/** All checkpoints known locally: the database table, the local file and the configured witness file. */
export async function knownCheckpoints(ctx: AppContext) {
  const witness = ctx.config.audit.witnessFile;
  const lists = await Promise.all([
    listStoredCheckpoints(ctx.database.db),
    readCheckpointFile(checkpointFilePath(ctx)),
    witness === undefined ? Promise.resolve([]) : readCheckpointFile(witness),
  ]);
  return lists.flat();
}

/**
 * `audit verify` on this process: the chain, every known checkpoint and the caller's witness
 * copies, each checkpoint's key against the pinned fingerprints and (unsealed) the keyring's.
 */
export async function verifyAudit(
  ctx: AppContext,
  extra: readonly AuditCheckpoint[] = [],
): Promise<AuditVerification & { pinned: boolean; countersigned?: number; forks?: string[] }> {
  const trust = auditTrust(ctx.config.audit, ctx.vault.sealed ? undefined : ctx.vault.requireKeyring());
  const pinned = trust.fingerprints.length > 0;
  if (trust.mismatch !== undefined) {
    return {
      ok: false,
      entries: 0,
      checkpointsChecked: 0,
      firstBad: { seq: 0, problem: trust.mismatch },
      pinned,
    };
  }
  // Every copy, the witnesses' countersigned ones too, compared for forks first (ADR 0175).
  const witnessed = await compareWithWitnesses(
    ctx,
    'audit',
    await knownCheckpoints(ctx),
    extra as WitnessedCheckpoint[],
    trust.fingerprints,
  );
  const result = await verifyAuditChain(ctx.database.db, witnessed.checkpoints, {
    trustedFingerprints: trust.fingerprints,
  });
  const countersigned = witnessed.countersigned;
  if (witnessed.problems.length > 0) {
    return {
      ...result,
      ok: false,
      firstBad: result.firstBad ?? { seq: 0, problem: witnessed.problems[0]! },
      forks: witnessed.problems,
      pinned,
      countersigned,
    };
  }
  return { ...result, pinned, countersigned };
}

const unsealBody = z.object({ share: z.string().max(512) });
const approveBody = z.object({ fingerprint: z.string().max(80) });
const staffBody = z.object({ email: z.string().max(254), role: z.string().max(40) });
const checkpointSchema = z.object({
  seq: z.number().int().positive(),
  headHash: z.string().max(64),
  at: z.string().max(40),
  keyId: z.string().max(16),
  publicKey: z.string().max(64),
  signature: z.string().max(128),
  // A witness export's countersignature (ADR 0175), checked by verify.
  countersignature: z.record(z.string(), z.unknown()).optional(),
});
export const checkpointListSchema = z.array(checkpointSchema).max(100_000);
const verifyBody = z.object({ checkpoints: checkpointListSchema.optional() });
const rotateBody = z.object({
  shares: z.number().int().optional(),
  threshold: z.number().int().optional(),
  request: z.string().max(40).optional(),
});
const witnessExportBody = z.object({
  origin: z.string().regex(/^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/),
  log: z.enum(['audit', 'ledger']),
});
const federationExportBody = z.object({ packetId: z.uuid() });
const federationImportBody = z.object({ text: z.string().max(300_000) });
const packBody = z.object({ pack: z.base64().max(MAX_PACK_BODY), force: z.boolean().default(false) });

async function handle(ctx: AppContext, method: string, path: string, body: unknown): Promise<unknown> {
  switch (`${method} ${path}`) {
    case 'GET /status':
      return { ...ctx.vault.status(), ...handoffStatus(ctx) };
    case 'POST /unseal/approve':
      return approveHandoff(ctx, 'cli', approveBody.parse(body).fingerprint);
    case 'POST /unseal':
      return submitUnsealShare(ctx.database.db, ctx.vault, unsealBody.parse(body).share);
    case 'POST /seal':
      if (!ctx.vault.sealed) await writeCheckpoint(ctx).catch(() => undefined);
      return sealFromActor(ctx, CLI);
    case 'POST /staff': {
      const created = await createStaff(ctx, CLI, staffBody.parse(body));
      return {
        staffId: created.staffId,
        enrolmentUrl: created.enrolmentUrl,
        expiresAt: created.expiresAt.toISOString(),
      };
    }
    case 'POST /audit/checkpoint':
      return (await writeCheckpoint(ctx)) ?? { empty: true };
    case 'GET /audit/fingerprint':
      return { fingerprint: auditTrust(ctx.config.audit, ctx.vault.requireKeyring()).keyringFingerprint };
    case 'POST /audit/verify': {
      return verifyAudit(ctx, verifyBody.parse(body).checkpoints ?? []);
    }
    case 'POST /ledger/verify':
      return verifyLedgerFor(ctx, verifyBody.parse(body).checkpoints ?? []);
    case 'GET /witness/forks':
      return {
        forks: await listAllForks(ctx.database.db),
        silences: await listAllSilences(ctx.database.db),
      };
    case 'POST /witness/export': {
      const { origin, log } = witnessExportBody.parse(body);
      return { text: await exportCopies(ctx.database.db, origin, log) };
    }
    case 'POST /keys/rotate': {
      const { shares, threshold, request } = rotateBody.parse(body);
      // A two-person act (ADR 0177): the permit a second administrator approved is used up here.
      const result = await rotateWithApproval(ctx, CLI, { shares, threshold, request });
      // The new shares must reach the key holders whatever happens next (a "Seal now" at this
      // instant would make the checkpoint fail): the checkpoint is best effort here.
      await writeCheckpoint(ctx).catch(() => undefined);
      return result;
    }
    case 'POST /federation/export':
      return { packet: await exportPacket(ctx, CLI, federationExportBody.parse(body).packetId) };
    case 'POST /federation/import':
      return importPacketFile(ctx, CLI, federationImportBody.parse(body).text);
    case 'POST /pathways/pack': {
      const { pack, force } = packBody.parse(body);
      return publishContentPack(ctx, CLI, Buffer.from(pack, 'base64'), { force });
    }
    case 'GET /reports/budget':
      return budgets(ctx, CLI);
    case 'POST /reports/budget':
      return setBudget(ctx, CLI, body);
    default:
      throw new AppError('not_found', 'no such admin command');
  }
}

export async function startAdminChannel(ctx: AppContext): Promise<Server> {
  const path = ctx.config.adminSocket;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  if (existsSync(path)) {
    if (await socketIsLive(path)) throw new Error(`another Sanctuary process answers on ${path}`);
    unlinkSync(path);
  }
  const server = createServer((request, response) => {
    void (async () => {
      let status = 200;
      let payload: unknown;
      try {
        const route = (request.url ?? '/').split('?')[0] ?? '/';
        const body = await readJson(request, route === '/pathways/pack' ? MAX_PACK_BODY : MAX_BODY);
        payload = await handle(ctx, request.method ?? 'GET', route, body);
      } catch (error) {
        const appError = isAppError(error)
          ? error
          : error instanceof z.ZodError
            ? new AppError('validation_failed', 'invalid admin request')
            : new AppError('internal', 'admin command failed', { cause: error });
        if (appError.code === 'internal') ctx.logger.error({ err: error }, 'admin channel command failed');
        status = appError.status;
        payload = { error: { code: appError.code, message: appError.message } };
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The umask makes the socket private from the first instant; chmod is a second guard.
    const oldMask = process.umask(0o177);
    server.listen(path, () => {
      process.umask(oldMask);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return server;
}
