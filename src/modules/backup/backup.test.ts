import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import type { FastifyInstance } from 'fastify';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { bytesContain } from '../../../test/support/canary.ts';
import { dbMode, emptyDatabase, testDb } from '../../../test/support/db.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { onePagePdf } from '../../../test/support/file-fixtures.ts';
import { buildApp } from '../../app.ts';
import { buildConfig } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import { openDatabase } from '../../db/database.ts';
import { countRows, tablesInLoadOrder } from '../../db/logical-dump.ts';
import { createLogger } from '../../platform/logging.ts';
import { verifyAudit, writeCheckpoint } from '../admin/index.ts';
import { addApplicantMessage, addNote, addReply, getCaseFile } from '../cases/index.ts';
import {
  addCaseDocument,
  intakeRuntimeOf,
  listCaseAttachments,
  readCaseAttachment,
} from '../intake/index.ts';
import { initShamirKeys, submitUnsealShare } from '../keys/index.ts';
import {
  BackupError,
  classifyEntry,
  type RestoreTarget,
  restoreBackup,
  writeBackup,
} from './backup.service.ts';

/**
 * The restore drill (issue 17): a sealed, Shamir-keyed source with cases, notes, messages,
 * replies, a document and a signed checkpoint is backed up; the archive holds no canary; it is
 * restored into an empty target, which starts sealed, unseals with the same shares, verifies
 * its audit chain and shows every case and file exactly as the source did. Then the hostile
 * archives: each is refused with a clear error, and the target is left as it was found.
 * Runs on the database of the test run: PGlite (a new data directory) or PostgreSQL (a new,
 * empty database in the shared cluster).
 */
const run = randomBytes(4).toString('hex');
const canaries = {
  givenName: `Canarygiven${run}`,
  familyName: `Канареечный${run}`,
  phone: `+7 900 ${run.slice(0, 3)}-77-11`,
  story: `backup-story-canary-${run} повестка пришла вчера`,
  note: `backup-note-canary-${run} internal`,
  message: `backup-message-canary-${run} я в Ереване`,
  reply: `backup-reply-canary-${run} встречаемся в Тбилиси`,
  fileName: `backup-file-canary-${run}.pdf`,
  fileText: `backup-pdf-canary-${run}`,
};

/** A restore target: a new data directory and, on PostgreSQL, a new empty database. */
type Target = RestoreTarget;

describe('backup and restore drill', () => {
  const dirs: string[] = [];
  const drops: Array<() => Promise<void>> = [];
  let source: TestApp;
  let shares: string[];
  let identity: string;
  let recipient: string;
  let archive: string;
  let caseRefs: string[];
  let worker: { id: string; role: 'caseworker' };
  let auditAtBackup: number;

  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sanctuary-backup-'));
    dirs.push(d);
    return d;
  };

  async function newTarget(): Promise<Target> {
    const dataDir = join(newDir(), 'data');
    if (dbMode() !== 'postgres') {
      // The run's empty, migrated template, as every other test starts from (skips initdb).
      return {
        dataDir,
        databaseUrl: undefined,
        embeddedTemplate: new Blob([readFileSync(inject('pgliteTemplate'))]),
      };
    }
    const database = await emptyDatabase();
    drops.push(database.drop);
    return { dataDir, databaseUrl: database.url };
  }

  /** The target as found: no data directory content and (PostgreSQL) no row of Sanctuary's. */
  async function expectUntouched(target: Target): Promise<void> {
    expect(readdirOrEmpty(target.dataDir).filter((n) => n !== 'sanctuary.lock')).toEqual([]);
    if (target.databaseUrl === undefined) return;
    const database = await openDatabase({ databaseUrl: target.databaseUrl, poolSize: 1 });
    try {
      for (const table of await tablesInLoadOrder(database.db)) {
        // Rows the migrations seed (the schema a refused restore leaves behind is a fresh one).
        if (
          [
            'jobs',
            'case_settings',
            'linkage_models',
            'fleet_seal',
            'ledger_currencies',
            'ledger_settings',
            'report_budgets',
          ].includes(table.name)
        )
          continue;
        expect(await countRows(database.db, table.name), table.name).toBe(0);
      }
    } finally {
      await database.close();
    }
  }

  async function openRestored(target: Target): Promise<FastifyInstance> {
    const config = buildConfig({
      dataDir: target.dataDir,
      databaseUrl: target.databaseUrl,
      devAutoUnseal: false,
    });
    return buildApp(config, { logger: createLogger('silent') });
  }

  /** Every case as a caseworker with content access sees it, and every file's bytes. */
  async function snapshotCases(ctx: AppContext) {
    const actor = staffActor(worker);
    const out = [];
    for (const ref of caseRefs) {
      const file = await getCaseFile(ctx, actor, ref);
      const files = [];
      for (const a of await listCaseAttachments(ctx, actor, ref)) {
        const read = await readCaseAttachment(ctx, intakeRuntimeOf(ctx), actor, ref, a.id);
        files.push({ name: read.name, type: read.type, sha: read.data.toString('base64') });
      }
      out.push({ file, files });
    }
    return out;
  }

  beforeAll(async () => {
    source = await buildTestApp({ sealed: true });
    const ctx = source.ctx;
    const keys = await initShamirKeys(ctx.database.db, { shares: 3, threshold: 2 });
    shares = keys.shares;
    await submitUnsealShare(ctx.database.db, ctx.vault, shares[0]!);
    await submitUnsealShare(ctx.database.db, ctx.vault, shares[1]!);
    const staff = await buildStaff(ctx, 'caseworker');
    worker = { id: staff.id, role: 'caseworker' };
    const teamId = await buildTeam(ctx, { name: `Route ${run}`, triage: false, members: [staff.id] });
    caseRefs = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await buildCase(ctx, {
        person: {
          givenName: `${canaries.givenName}${i}`,
          familyName: canaries.familyName,
          phone: canaries.phone,
          documents: [],
          family: [],
        },
        story: `${canaries.story} ${i}`,
        teamId,
        assigneeId: staff.id,
        status: 'in_progress',
      });
      caseRefs.push(created.ref);
      await addApplicantMessage(ctx, created.id, `${canaries.message} ${i}`);
      await addNote(ctx, staffActor(worker), created.ref, { body: `${canaries.note} ${i}` });
      await addReply(ctx, staffActor(worker), created.ref, { body: `${canaries.reply} ${i}` });
    }
    await addCaseDocument(ctx, intakeRuntimeOf(ctx), staffActor(worker), caseRefs[0], {
      data: onePagePdf({ more: [`(${canaries.fileText})`] }),
      fileName: canaries.fileName,
    });
    await writeCheckpoint(ctx); // the signed checkpoint and <dataDir>/audit/checkpoints.jsonl
    identity = await generateIdentity();
    recipient = await identityToRecipient(identity);
    auditAtBackup = await countRows(ctx.database.db, 'audit_log');
    archive = join(newDir(), 'sanctuary.age');
    await writeBackup({
      database: ctx.database,
      dataDir: source.dataDir,
      recipients: [recipient],
      out: archive,
    });
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    for (const drop of drops) await drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('writes only age ciphertext: one private file, no canary in any encoding, no temporary file left', () => {
    const bytes = readFileSync(archive);
    expect(bytes.subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    for (const [name, canary] of Object.entries(canaries))
      expect(bytesContain(bytes, canary), name).toBe(false);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(archive, '..'))).toEqual(['sanctuary.age']);
  });

  it('restores into an empty target that starts sealed, unseals with the same shares, verifies and matches', async () => {
    const before = await snapshotCases(source.ctx);
    const target = await newTarget();
    const done = await restoreBackup({ archive, identities: [identity], target });
    // On PostgreSQL the attachment is in the database (blob_chunks, ADR 0115), not a file.
    expect(done.blobs).toBe(dbMode() === 'postgres' ? 0 : 1);
    expect(done.files).toBe(1); // the checkpoint file
    const app = await openRestored(target);
    try {
      const ctx = app.sanctuary;
      expect(ctx.vault.sealed).toBe(true);
      // Another two of the three shares: the restored key is the same split key.
      await submitUnsealShare(ctx.database.db, ctx.vault, shares[2]!);
      expect((await submitUnsealShare(ctx.database.db, ctx.vault, shares[0]!)).sealed).toBe(false);
      const audit = await verifyAudit(ctx);
      expect(audit.ok).toBe(true);
      expect(audit.checkpointsChecked).toBeGreaterThan(0);
      // The log up to the backup is the source's, entry for entry (then the unseal follows).
      expect(await auditUpTo(ctx, auditAtBackup)).toEqual(await auditUpTo(source.ctx, auditAtBackup));
      const after = await snapshotCases(ctx);
      expect(after).toEqual(before);
      expect(JSON.stringify(after)).toContain(canaries.reply);
      expect(after[0]!.files).toHaveLength(1);
      expect(after[0]!.files[0]!.name).toBe(canaries.fileName);
      // New rows continue the restored numbering instead of reusing it.
      await addNote(ctx, staffActor(worker), caseRefs[1], { body: 'after the restore' });
      expect((await verifyAudit(ctx)).ok).toBe(true);
    } finally {
      await app.close();
    }
    // A second restore over the restored data is refused, and changes nothing.
    await expect(restoreBackup({ archive, identities: [identity], target })).rejects.toMatchObject({
      problem: 'refused',
    });
  }, 120_000);

  const hostile: Array<[string, (bytes: Buffer) => Buffer, RegExp]> = [
    [
      'a truncated archive (cut at its last byte, after every row was read)',
      (b) => b.subarray(0, b.length - 1),
      /damaged, truncated or was altered/,
    ],
    [
      'a tampered archive',
      (b) => {
        const copy = Buffer.from(b);
        copy[Math.floor(copy.length / 2)]! ^= 0x01;
        return copy;
      },
      /damaged, truncated or was altered/,
    ],
    [
      'a file that is not an archive',
      () => Buffer.from('{"not":"age"}\n'),
      /not an age-encrypted Sanctuary backup/,
    ],
  ];

  it.each(hostile)('refuses %s with a clear error and restores nothing', async (_name, damage, message) => {
    const bad = join(newDir(), 'bad.age');
    writeFileSync(bad, damage(readFileSync(archive)));
    const target = await newTarget();
    const error = await restoreBackup({ archive: bad, identities: [identity], target }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).problem).toBe('data');
    expect((error as BackupError).message).toMatch(message);
    await expectUntouched(target);
  });

  // age does not authenticate the sender: anyone with the public recipient key can write an
  // archive. A forged one that smuggles a path out of the data directory is refused whole.
  it.each([['blobs/../../escaped', 'unexpected entry']])(
    'refuses a forged archive with the entry %s and writes nothing anywhere',
    async (name, message) => {
      const entries = await unpack(archive, identity);
      const end = entries.findIndex((e) => e.name === 'end.json');
      entries.splice(end, 0, { name, data: Buffer.from('planted') });
      const forged = join(newDir(), 'forged.age');
      writeFileSync(forged, await pack(entries, recipient));
      const target = await newTarget();
      const error = await restoreBackup({ archive: forged, identities: [identity], target }).catch(
        (e: unknown) => e,
      );
      expect((error as BackupError).problem).toBe('data');
      expect((error as BackupError).message).toContain(message);
      await expectUntouched(target);
      expect(readdirOrEmpty(join(target.dataDir, '..'))).not.toContain('escaped');
    },
  );

  it('refuses an archive older than a schema a newer version already prepared, instead of migrating it down', async () => {
    const entries = await unpack(archive, identity);
    const header = JSON.parse(entries[0]!.data.toString('utf8')) as { migrations: string[] };
    header.migrations.pop(); // as if written by the previous release
    entries[0]!.data = Buffer.from(JSON.stringify(header));
    const older = join(newDir(), 'older.age');
    writeFileSync(older, await pack(entries, recipient));
    // A migrated database nobody has used: the run's template (PGlite) or a fresh test database.
    const migrated = dbMode() === 'postgres' ? await testDb() : undefined;
    const target =
      migrated === undefined
        ? await newTarget()
        : { dataDir: join(newDir(), 'data'), databaseUrl: migrated.url };
    try {
      const error = await restoreBackup({ archive: older, identities: [identity], target }).catch(
        (e: unknown) => e,
      );
      expect((error as BackupError).problem).toBe('refused');
      expect((error as BackupError).message).toContain('prepared by a newer Sanctuary version');
      expect(readdirOrEmpty(target.dataDir)).toEqual([]);
    } finally {
      await migrated?.close();
    }
  });

  it.each([
    ['blobs/../../escaped'],
    ['blobs/../../../etc/cron.d/x'],
    ['blobs/tmp'],
    ['files/../../escaped'],
    ['files/keys/root.key'],
    ['files/audit/../keys/root.key'],
    ['db/audit_log/../../escaped'],
    ['db/no_such_table/000001.jsonl'],
    ['db/audit_log/000001.jsonl/../x'],
    ['/etc/passwd'],
    ['header.json'],
  ])('never writes the forged entry %s anywhere', (name) => {
    expect(classifyEntry(name, new Map([['audit_log', {}]]))).toBeUndefined();
  });

  it('reads the entries it writes', () => {
    const tables = new Map([['audit_log', {}]]);
    expect(classifyEntry('db/audit_log/000001.jsonl', tables)).toEqual({ kind: 'rows', table: 'audit_log' });
    expect(classifyEntry(`blobs/${'a'.repeat(43)}`, tables)).toEqual({ kind: 'blob', id: 'a'.repeat(43) });
    expect(classifyEntry('files/audit/checkpoints.jsonl', tables)).toEqual({
      kind: 'file',
      path: 'audit/checkpoints.jsonl',
    });
  });

  it('refuses a wrong identity before touching the target, without echoing it', async () => {
    const other = await generateIdentity();
    const target = await newTarget();
    const error = await restoreBackup({ archive, identities: [other], target }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).message).toContain('this identity cannot open the archive');
    expect((error as BackupError).message).not.toContain(other.slice(15));
    await expectUntouched(target);
  });
});

async function auditUpTo(ctx: AppContext, entries: number) {
  const rows = await ctx.database.db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('seq')
    .limit(entries)
    .execute();
  expect(rows).toHaveLength(entries);
  return rows;
}

/** The entries of an archive, decrypted (the test holds the custodian identity). */
async function unpack(path: string, identity: string): Promise<Array<{ name: string; data: Buffer }>> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  const plain = Buffer.from(await decrypter.decrypt(new Uint8Array(readFileSync(path))));
  const extract = tar.extract();
  const out: Array<{ name: string; data: Buffer }> = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      out.push({ name: entry.header.name, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(plain);
  await done;
  return out;
}

/** An archive as an attacker with only the public recipient key would write it. */
async function pack(entries: Array<{ name: string; data: Buffer }>, recipient: string): Promise<Uint8Array> {
  const p = tar.pack();
  for (const e of entries) p.entry({ name: e.name, size: e.data.length }, e.data);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return encrypter.encrypt(new Uint8Array(Buffer.concat(chunks)));
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
