import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decrypter, Encrypter } from 'age-encryption';
import { sql } from 'kysely';
import * as tar from 'tar-stream';
import { openDatabase, type SanctuaryDatabase, type Tx } from '../../db/database.ts';
import { acquireDataDirLock, type DataDirLock } from '../../db/lock.ts';
import {
  clearTables,
  countRows,
  insertRows,
  readRows,
  readSequences,
  restoreSequences,
  type SequenceValue,
  type TableShape,
  tablesInLoadOrder,
} from '../../db/logical-dump.ts';
import { migrateTo, migrateToLatest, migrationNames } from '../../db/migrate.ts';

/**
 * `sanctuary backup` and `sanctuary restore` (ADR 0113). One age-encrypted file holds a tar
 * stream: the database as a logical export read from one snapshot, the attachment blobs, and
 * the few files of the data directory that are not rebuilt at start. It is produced as one
 * stream, export → tar → age → file, so nothing but age ciphertext ever reaches the disk; and
 * what goes into it was already ciphertext (the database holds no plaintext personal data), so
 * the age layer protects the metadata and the structure, and makes the archive tamper-evident.
 *
 * Archive layout (format 1), in this order:
 *   header.json                          format, versions, database kind, migrations, table shapes
 *   db/<table>/<n>.jsonl                 rows (row_to_json text), tables in foreign-key order
 *   db/sequences.json                    sequence values
 *   blobs/<id>                           encrypted attachment files, as stored
 *   files/audit/checkpoints.jsonl        the local checkpoint file, when present
 *   files/pathways/current-pack.json     the published content pack, when present
 *   end.json                             counts of everything above (a missing end = truncated)
 */
export const ARCHIVE_FORMAT = 'sanctuary-backup';
export const ARCHIVE_VERSION = 1;

/** Data-directory files carried in the archive; nothing else is (never `keys/root.key`). */
export const DATA_DIR_FILES = ['audit/checkpoints.jsonl', 'pathways/current-pack.json'] as const;
const BLOB_ID = /^[A-Za-z0-9_-]{43}$/;
const ROWS_PER_ENTRY = 1000;
const BYTES_PER_ENTRY = 4 * 1024 * 1024;
/** A row chunk the restore reads into memory; a genuine one is at most about BYTES_PER_ENTRY. */
const MAX_ROWS_ENTRY = 256 * 1024 * 1024;

/** What went wrong, so the CLI can choose its exit code; the message says what to do. */
export type BackupProblem = 'config' | 'usage' | 'data' | 'refused' | 'unavailable';

export class BackupError extends Error {
  override name = 'BackupError';
  constructor(
    readonly problem: BackupProblem,
    message: string,
  ) {
    super(message);
  }
}

interface ArchiveHeader {
  format: string;
  version: number;
  createdAt: string;
  database: 'pglite' | 'postgres';
  migrations: string[];
  tables: TableShape[];
}

interface ArchiveEnd {
  rows: Record<string, number>;
  sequences: number;
  blobs: number;
  files: string[];
}

export interface BackupSummary {
  out: string;
  rows: number;
  tables: number;
  blobs: number;
  /** Blobs named in the directory listing but gone when read (an erasure meanwhile). */
  vanishedBlobs: number;
  bytes: number;
}

/** Writes one encrypted archive of `database` and the data directory's blobs to `out`. */
export async function writeBackup(options: {
  database: SanctuaryDatabase;
  dataDir: string;
  recipients: readonly string[];
  out: string;
  now?: Date;
}): Promise<BackupSummary> {
  if (options.recipients.length === 0) {
    throw new BackupError(
      'config',
      'SANCTUARY_BACKUP_RECIPIENTS is not set: give it the age public key(s) of the backup custodians (age1…, from `age-keygen`); see docs/OPERATIONS.md, Backups',
    );
  }
  const encrypter = new Encrypter();
  for (const recipient of options.recipients) encrypter.addRecipient(recipient);
  if (await exists(options.out)) {
    throw new BackupError(
      'usage',
      `${options.out} already exists; choose a new file name (e.g. with the date)`,
    );
  }
  const partial = `${options.out}.${randomBytes(6).toString('hex')}.partial`;
  const now = options.now ?? new Date();
  const pack = tar.pack();
  // export → tar → age → file: the only bytes written are age's.
  const encrypted = await encrypter.encrypt(
    Readable.toWeb(Readable.from(pack)) as unknown as ReadableStream<Uint8Array>,
  );
  const writing = pipeline(
    Readable.fromWeb(encrypted as unknown as WebReadableStream<Uint8Array>),
    createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
  );
  // A failing disk stops the producer too, instead of leaving it waiting for room.
  writing.catch((error: unknown) => pack.destroy(error as Error));
  try {
    const counts = await fillArchive(pack, options.database, options.dataDir, now);
    pack.finalize();
    await writing;
    await fsyncFile(partial);
    await rename(partial, options.out);
    await fsyncFile(dirname(options.out));
    return { ...counts, out: options.out, bytes: (await stat(options.out)).size };
  } catch (error) {
    pack.destroy();
    await writing.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

async function fillArchive(
  pack: tar.Pack,
  database: SanctuaryDatabase,
  dataDir: string,
  now: Date,
): Promise<Omit<BackupSummary, 'out' | 'bytes'>> {
  const rows: Record<string, number> = {};
  let sequences: SequenceValue[] = [];
  let tables: TableShape[] = [];
  // One snapshot for every table (what pg_dump does): the rows agree with each other even
  // while the servers keep writing. Read only: a backup can never change what it copies.
  await database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      await sql`set transaction read only`.execute(trx);
      tables = await tablesInLoadOrder(trx);
      const header: ArchiveHeader = {
        format: ARCHIVE_FORMAT,
        version: ARCHIVE_VERSION,
        createdAt: now.toISOString(),
        database: database.kind,
        migrations: await appliedMigrations(trx),
        tables,
      };
      await addEntry(pack, 'header.json', Buffer.from(JSON.stringify(header)), now);
      for (const table of tables) {
        rows[table.name] = await exportTable(pack, trx, table.name, now);
      }
      sequences = await readSequences(trx);
      await addEntry(pack, 'db/sequences.json', Buffer.from(JSON.stringify(sequences)), now);
    });
  // Blobs after the snapshot (as docs/OPERATIONS.md always said): a row's file is written
  // before the row commits, so every file the snapshot names is already there.
  const blobDir = join(dataDir, 'blobs');
  let blobs = 0;
  let vanishedBlobs = 0;
  for (const name of (await listDir(blobDir)).filter((n) => BLOB_ID.test(n)).sort()) {
    const added = await addFileEntry(pack, `blobs/${name}`, join(blobDir, name), now);
    if (added) blobs += 1;
    else vanishedBlobs += 1;
  }
  const files: string[] = [];
  for (const name of DATA_DIR_FILES) {
    if (await addFileEntry(pack, `files/${name}`, join(dataDir, name), now)) files.push(name);
  }
  const end: ArchiveEnd = { rows, sequences: sequences.length, blobs, files };
  await addEntry(pack, 'end.json', Buffer.from(JSON.stringify(end)), now);
  return {
    rows: Object.values(rows).reduce((a, b) => a + b, 0),
    tables: tables.length,
    blobs,
    vanishedBlobs,
  };
}

async function exportTable(pack: tar.Pack, trx: Tx, table: string, now: Date): Promise<number> {
  let count = 0;
  let part = 0;
  let lines: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    part += 1;
    await addEntry(
      pack,
      `db/${table}/${String(part).padStart(6, '0')}.jsonl`,
      Buffer.from(`${lines.join('\n')}\n`),
      now,
    );
    lines = [];
    bytes = 0;
  };
  for await (const batch of readRows(trx, table)) {
    for (const line of batch) {
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
      count += 1;
      if (lines.length >= ROWS_PER_ENTRY || bytes >= BYTES_PER_ENTRY) await flush();
    }
  }
  await flush();
  return count;
}

/** The migrations a target database has had, none when it has no schema yet. */
async function appliedMigrationsIfAny(database: SanctuaryDatabase): Promise<string[]> {
  const tables = await sql<{ n: string | number }>`
    select count(*) as n from pg_tables where schemaname = 'public' and tablename = 'kysely_migration'`.execute(
    database.db,
  );
  if (Number(tables.rows[0]!.n) === 0) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    database.db,
  );
  return rows.map((r) => r.name);
}

async function appliedMigrations(trx: Tx): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(trx);
  return rows.map((r) => r.name);
}

/** One tar entry from memory; resolves when the archive has taken it (backpressure). */
async function addEntry(pack: tar.Pack, name: string, data: Buffer, now: Date): Promise<void> {
  await pipeline(Readable.from([data]), pack.entry({ name, size: data.length, mode: 0o600, mtime: now }));
}

/** One tar entry streamed from a file; false when the file is not there (any more). */
async function addFileEntry(pack: tar.Pack, name: string, path: string, now: Date): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    // Read through the open handle: a file removed meanwhile is still read whole.
    await pipeline(
      handle.createReadStream({ start: 0, end: size - 1, autoClose: false }),
      pack.entry({ name, size, mode: 0o600, mtime: now }),
    );
    return true;
  } finally {
    await handle.close();
  }
}

/** Where a restore goes: the data directory, and PostgreSQL's URL unless it is the embedded database. */
export interface RestoreTarget {
  dataDir: string;
  databaseUrl: string | undefined;
  /**
   * Embedded only: start the new database from this dump of an empty, migrated one instead of
   * creating it from nothing (PGlite's initdb takes seconds; the tests use their template).
   */
  embeddedTemplate?: Blob | undefined;
}

export interface RestoreSummary {
  rows: number;
  tables: number;
  blobs: number;
  files: number;
  createdAt: string;
  migrationsApplied: number;
}

/**
 * The age identities of an identity file (`age-keygen` output: comments and
 * `AGE-SECRET-KEY-…` lines). The file's text is never repeated in an error.
 */
export function parseIdentities(text: string): string[] {
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0 || !keys.every((k) => /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(k))) {
    throw new BackupError(
      'usage',
      'the identity is not an age identity file (lines "AGE-SECRET-KEY-1…", as written by `age-keygen`)',
    );
  }
  const probe = new Decrypter();
  for (const key of keys) {
    try {
      probe.addIdentity(key);
    } catch {
      throw new BackupError('usage', 'the identity file holds a damaged age identity (AGE-SECRET-KEY-1…)');
    }
  }
  return keys;
}

/**
 * Restores an archive into an empty data directory (embedded database) or an empty database
 * (PostgreSQL) and its data directory. All or nothing: the rows load in one transaction and
 * the files go to a staging directory, moved into place only after the whole archive has been
 * read and authenticated; on any failure the target is left as it was found.
 */
export async function restoreBackup(options: {
  archive: string;
  identities: readonly string[];
  target: RestoreTarget;
}): Promise<RestoreSummary> {
  const { target } = options;
  if (!(await exists(options.archive))) throw new BackupError('usage', `${options.archive} does not exist`);
  const embedded = target.databaseUrl === undefined;
  if (embedded) await refuseNonEmptyDir(target.dataDir);
  else await refuseRestoredFiles(target.dataDir);
  const decrypter = new Decrypter();
  for (const identity of options.identities) decrypter.addIdentity(identity);
  let plain: ReadableStream<Uint8Array>;
  try {
    plain = await decrypter.decrypt(
      Readable.toWeb(createReadStream(options.archive)) as unknown as ReadableStream<Uint8Array>,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BackupError(
      'data',
      /no identity matched/.test(message)
        ? 'this identity cannot open the archive: it was encrypted to other recipients (use a custodian identity whose public key was in SANCTUARY_BACKUP_RECIPIENTS)'
        : `${options.archive} is not an age-encrypted Sanctuary backup, or its header is damaged (${message})`,
    );
  }

  let lock: DataDirLock | undefined;
  let database: SanctuaryDatabase | undefined;
  await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
  if (embedded) lock = acquireDataDirLock(target.dataDir);
  const staging = join(target.dataDir, `.restore-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(join(staging, 'blobs'), { recursive: true, mode: 0o700 });
    database = embedded
      ? await openDatabase({ dataDir: staging, loadDataDir: target.embeddedTemplate })
      : await openDatabase({ databaseUrl: target.databaseUrl, poolSize: 2, onConnectionError: () => {} });
    if (!embedded && !(await neverUsed(database))) {
      throw new BackupError(
        'refused',
        'the database is not empty (it holds keys or audit entries): restore into a new, empty database (createdb), never over live data',
      );
    }
    const loaded = await loadArchive(plain, database, staging);
    const migrationsApplied = (await migrateToLatest(database.db)).length;
    await database.close();
    database = undefined;
    await moveIntoPlace(staging, target.dataDir, embedded, loaded.files);
    return { ...loaded, files: loaded.files.length, migrationsApplied };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(
      'data',
      `the archive is damaged, truncated or was altered, so nothing was restored (${error instanceof Error ? error.message : String(error)})`,
    );
  } finally {
    await database?.close().catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    lock?.release();
  }
}

async function loadArchive(
  plain: ReadableStream<Uint8Array>,
  database: SanctuaryDatabase,
  staging: string,
): Promise<Omit<RestoreSummary, 'files' | 'migrationsApplied'> & { files: string[] }> {
  const extract = tar.extract();
  const feeding = pipeline(Readable.fromWeb(plain as unknown as WebReadableStream<Uint8Array>), extract);
  feeding.catch(() => undefined); // its error reaches the loop below through `extract`
  try {
    return await loadEntries(extract, feeding, database, staging);
  } catch (error) {
    extract.destroy(); // stops reading the archive, whatever entry it was in
    throw error;
  }
}

async function loadEntries(
  extract: tar.Extract,
  feeding: Promise<void>,
  database: SanctuaryDatabase,
  staging: string,
): Promise<Omit<RestoreSummary, 'files' | 'migrationsApplied'> & { files: string[] }> {
  const entries = extract[Symbol.asyncIterator]();
  const first = await entries.next();
  if (first.done === true || first.value.header.name !== 'header.json') {
    throw new BackupError('data', 'the archive does not start with a Sanctuary backup header');
  }
  const header = JSON.parse((await readEntry(first.value, 1024 * 1024)).toString('utf8')) as ArchiveHeader;
  await prepareSchema(database, header);
  const shapes = new Map(header.tables.map((t) => [t.name, t]));
  const seen = { rows: {} as Record<string, number>, sequences: 0, blobs: 0, files: [] as string[] };
  let end: ArchiveEnd | undefined;
  await database.db.transaction().execute(async (trx) => {
    // What the migrations seeded (job schedules, settings) gives way to the archive's rows.
    await clearTables(
      trx,
      [...header.tables].reverse().map((t) => t.name),
    );
    for (let next = await entries.next(); next.done !== true; next = await entries.next()) {
      const entry = next.value;
      const name = entry.header.name;
      if (end !== undefined) throw new BackupError('data', `the archive continues after its end (${name})`);
      const kind = classifyEntry(name, shapes);
      if (kind?.kind === 'rows') {
        const lines = (await readEntry(entry, MAX_ROWS_ENTRY)).toString('utf8').split('\n').filter(Boolean);
        // A table a trigger fills while earlier tables are restored gives way to the archive's rows.
        if (FILLED_BY_TRIGGERS.has(kind.table) && seen.rows[kind.table] === undefined)
          await sql`delete from ${sql.table(kind.table)}`.execute(trx);
        await insertRows(trx, kind.table, lines);
        seen.rows[kind.table] = (seen.rows[kind.table] ?? 0) + lines.length;
      } else if (kind?.kind === 'sequences') {
        const values = JSON.parse((await readEntry(entry, 1024 * 1024)).toString('utf8')) as SequenceValue[];
        await restoreSequences(trx, values);
        seen.sequences = values.length;
      } else if (kind?.kind === 'blob') {
        await pipeline(
          entry,
          createWriteStream(join(staging, 'blobs', kind.id), { flags: 'wx', mode: 0o600 }),
        );
        seen.blobs += 1;
      } else if (kind?.kind === 'file') {
        const file = join(staging, 'files', kind.path);
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await pipeline(entry, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
        seen.files.push(kind.path);
      } else if (kind?.kind === 'end') {
        end = JSON.parse((await readEntry(entry, 1024 * 1024)).toString('utf8')) as ArchiveEnd;
      } else {
        throw new BackupError('data', `the archive holds an unexpected entry (${name.slice(0, 80)})`);
      }
    }
    // The loop ends only when age has authenticated the last chunk: a cut archive fails above.
    await feeding;
    await rebuildDerivedTables(trx);
    if (end === undefined)
      throw new BackupError('data', 'the archive ends early (truncated): nothing was restored');
    const expected = JSON.stringify([
      sortedCounts(end.rows),
      end.sequences,
      end.blobs,
      [...end.files].sort(),
    ]);
    const found = JSON.stringify([
      sortedCounts(seen.rows),
      seen.sequences,
      seen.blobs,
      [...seen.files].sort(),
    ]);
    if (expected !== found)
      throw new BackupError('data', 'the archive is incomplete (its contents do not match its end record)');
  });
  return {
    rows: Object.values(seen.rows).reduce((a, b) => a + b, 0),
    tables: header.tables.length,
    blobs: seen.blobs,
    files: seen.files,
    createdAt: header.createdAt,
  };
}

export type ArchiveEntry =
  | { kind: 'rows'; table: string }
  | { kind: 'sequences' }
  | { kind: 'blob'; id: string }
  | { kind: 'file'; path: (typeof DATA_DIR_FILES)[number] }
  | { kind: 'end' };

/**
 * What an entry of an archive is, or undefined for anything else. Only these exact shapes are
 * ever written to disk or the database: anyone with the public recipient key can write an age
 * file, so a forged archive must not reach a path outside the staging directory (`..`), the
 * development key file, or a table the schema does not have.
 */
/**
 * Tables that triggers fill when rows of other tables are inserted (the status history of a
 * case, ADR 0144): restoring `cases` writes rows there, which the archive's own rows replace.
 */
const FILLED_BY_TRIGGERS: ReadonlySet<string> = new Set([
  'case_status_history',
  'case_week_counts',
  'case_week_durations',
]);

/**
 * The report summaries (ADR 0169) are sums that triggers keep while rows arrive in any order
 * during a restore: once every row is in, they are recomputed from the restored tables (an
 * archive from before they existed has no such function).
 */
async function rebuildDerivedTables(trx: Tx): Promise<void> {
  const { rows } = await sql<{ present: boolean }>`
    select to_regprocedure('case_report_rebuild()') is not null as present`.execute(trx);
  if (rows[0]?.present === true) await sql`select case_report_rebuild()`.execute(trx);
}

export function classifyEntry(name: string, tables: ReadonlyMap<string, unknown>): ArchiveEntry | undefined {
  const table = /^db\/([a-z0-9_]{1,63})\/\d{6}\.jsonl$/.exec(name)?.[1];
  if (table !== undefined) return tables.has(table) ? { kind: 'rows', table } : undefined;
  if (name === 'db/sequences.json') return { kind: 'sequences' };
  if (name === 'end.json') return { kind: 'end' };
  const id = /^blobs\/([A-Za-z0-9_-]{43})$/.exec(name)?.[1];
  if (id !== undefined) return { kind: 'blob', id };
  const file = DATA_DIR_FILES.find((f) => name === `files/${f}`);
  return file === undefined ? undefined : { kind: 'file', path: file };
}

/** Rebuilds the schema the archive was written with, and checks it matches table by table. */
async function prepareSchema(database: SanctuaryDatabase, header: ArchiveHeader): Promise<void> {
  if (header.format !== ARCHIVE_FORMAT || header.version !== ARCHIVE_VERSION) {
    throw new BackupError(
      'data',
      `not a Sanctuary backup of format ${ARCHIVE_VERSION} (found ${String(header.format)} ${String(header.version)})`,
    );
  }
  const known = await migrationNames();
  const last = header.migrations[header.migrations.length - 1];
  if (last === undefined || header.migrations.some((name, i) => known[i] !== name)) {
    throw new BackupError(
      'data',
      `the archive was written by a different Sanctuary version (its schema ends at migration ${last ?? 'none'}): restore it with that version or a later one`,
    );
  }
  // A target that a newer version already migrated would be migrated down: refuse instead.
  const applied = await appliedMigrationsIfAny(database);
  if (applied.some((name, i) => header.migrations[i] !== name)) {
    throw new BackupError(
      'refused',
      'the database was prepared by a newer Sanctuary version than the archive: restore into a new, empty database (createdb)',
    );
  }
  await migrateTo(database.db, last);
  const actual = JSON.stringify(
    (await tablesInLoadOrder(database.db)).map((t) => [t.name, t.columns]).sort(),
  );
  const written = JSON.stringify(header.tables.map((t) => [t.name, t.columns]).sort());
  if (actual !== written) {
    throw new BackupError(
      'data',
      "the archive's tables do not match its migrations: it was not written by Sanctuary",
    );
  }
}

async function moveIntoPlace(staging: string, dataDir: string, embedded: boolean, files: readonly string[]) {
  if (embedded) await rename(join(staging, 'pgdata'), join(dataDir, 'pgdata'));
  const blobDir = join(dataDir, 'blobs');
  await mkdir(blobDir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(join(staging, 'blobs'))) {
    await rename(join(staging, 'blobs', name), join(blobDir, name));
  }
  for (const name of files) {
    await mkdir(dirname(join(dataDir, name)), { recursive: true, mode: 0o700 });
    await rename(join(staging, 'files', name), join(dataDir, name));
  }
  await fsyncFile(blobDir);
  await fsyncFile(dataDir);
}

/**
 * A database Sanctuary has never been used on: no tables yet (a fresh `createdb`), or only what
 * the migrations seed, with no key created and nothing audited (every use of Sanctuary starts
 * with `keys init`, which is audited).
 */
async function neverUsed(database: SanctuaryDatabase): Promise<boolean> {
  const tables = new Set((await tablesInLoadOrder(database.db)).map((t) => t.name));
  for (const table of ['audit_log', 'key_material']) {
    if (tables.has(table) && (await countRows(database.db, table)) > 0) return false;
  }
  return true;
}

/** Embedded database: the data directory must be empty (or not exist yet). */
async function refuseNonEmptyDir(dataDir: string): Promise<void> {
  const names = await listDir(dataDir);
  if (names.length > 0) {
    throw new BackupError(
      'refused',
      `the data directory ${dataDir} is not empty (it holds ${names.slice(0, 5).join(', ')}): restore into a new, empty directory (SANCTUARY_DATA_DIR), never over live data`,
    );
  }
}

/** PostgreSQL: the data directory may exist, but must hold none of the files a restore writes. */
async function refuseRestoredFiles(dataDir: string): Promise<void> {
  const blobs = (await listDir(join(dataDir, 'blobs'))).filter((n) => n !== 'tmp');
  const files = [];
  for (const name of DATA_DIR_FILES) if (await exists(join(dataDir, name))) files.push(name);
  if (blobs.length > 0 || files.length > 0) {
    throw new BackupError(
      'refused',
      `the data directory ${dataDir} already holds ${blobs.length > 0 ? 'attachment blobs' : files.join(', ')}: restore into a new, empty data directory (SANCTUARY_DATA_DIR)`,
    );
  }
}

function sortedCounts(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
}

async function readEntry(
  entry: AsyncIterable<unknown> & { header: tar.Header },
  max: number,
): Promise<Buffer> {
  if ((entry.header.size ?? 0) > max)
    throw new BackupError('data', `an archive entry is too large (${entry.header.name})`);
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads the whole identity file (a few hundred bytes); used by the CLI. */
export async function readIdentityFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BackupError(
      'usage',
      `cannot read the identity file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseIdentities(text);
}
