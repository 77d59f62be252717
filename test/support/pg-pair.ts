/**
 * A throwaway PostgreSQL 15 primary with a synchronous standby, for the failover test and
 * `npm run bench -- failover` (ADR 0118): initdb, pg_basebackup -R and pg_ctl as the
 * `postgres` user in a temporary directory, on free loopback ports. The primary waits for the
 * standby to flush every commit (`synchronous_standby_names`, `synchronous_commit=on`).
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';
const STANDBY_NAME = 'sanctuary_standby';

export interface PgServer {
  readonly port: number;
  readonly dataDir: string;
  /** A single-host URL of this server. */
  readonly url: string;
}

export interface PgPair {
  readonly primary: PgServer;
  readonly standby: PgServer;
  /** `postgres://postgres@127.0.0.1:P,127.0.0.1:S/<db>` — both hosts, primary first. */
  urlOf(database: string, order?: 'primary-first' | 'standby-first'): string;
  /** Runs SQL on one server with psql; returns its output (unaligned, tuples only). */
  sql(server: PgServer, statement: string, database?: string): string;
  /** The loss of the primary's machine: SIGKILL to the postmaster and every backend. */
  killPrimary(): void;
  /**
   * The failover: promote the standby, and let it commit alone (empty
   * synchronous_standby_names) until a new standby is attached. Waits until it accepts writes.
   */
  promoteStandby(): void;
  stop(): void;
}

/** Why the pair cannot run here, or undefined when it can (root, `su`, PostgreSQL 15). */
export function pgPairUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (to run PostgreSQL as the postgres user)';
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup', 'psql']) {
    if (!existsSync(join(BIN, tool))) return `PostgreSQL 15 binaries missing (${join(BIN, tool)})`;
  }
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    return 'no postgres user';
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function asPostgres(command: string): string {
  return execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', `PATH='${BIN}:/usr/bin:/bin' ${command}`], {
    encoding: 'utf8',
  });
}

/** The postmaster's pid and every process whose parent it is (its backends and workers). */
function processTree(postmasterPid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (ppid === postmasterPid) children.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return [postmasterPid, ...children];
}

export async function startPgPair(options: { maxConnections?: number } = {}): Promise<PgPair> {
  const dir = mkdtempSync(join(tmpdir(), 'sanctuary-pg-pair-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const server = (name: string, port: number): PgServer => ({
    port,
    dataDir: join(dir, name),
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
  });
  const primary = server('primary', await freePort());
  const standby = server('standby', await freePort());
  const start = (s: PgServer) =>
    asPostgres(
      `pg_ctl -D '${s.dataDir}' -l '${s.dataDir}.log' -w -t 60 -o "-p ${s.port} -k '${dir}'" start >/dev/null`,
    );
  const sql = (s: PgServer, statement: string, database = 'postgres') =>
    execFileSync(
      join(BIN, 'psql'),
      [
        '-X',
        '-q',
        '-A',
        '-t',
        '-h',
        '127.0.0.1',
        '-p',
        String(s.port),
        '-U',
        'postgres',
        '-d',
        database,
        '-c',
        statement,
      ],
      { encoding: 'utf8' },
    ).trim();

  asPostgres(`initdb -D '${primary.dataDir}' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null`);
  // Both servers read this file (pg_basebackup copies it); the standby ignores the primary-only
  // settings until it is promoted.
  appendFileSync(
    join(primary.dataDir, 'postgresql.conf'),
    [
      "listen_addresses = '127.0.0.1'",
      `max_connections = ${options.maxConnections ?? 200}`,
      'wal_level = replica',
      'max_wal_senders = 5',
      'hot_standby = on',
      `synchronous_standby_names = '${STANDBY_NAME}'`,
      'synchronous_commit = on',
      'fsync = on',
      '',
    ].join('\n'),
  );
  start(primary);
  asPostgres(
    `pg_basebackup -D '${standby.dataDir}' -R -X stream -c fast -d 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${STANDBY_NAME}'`,
  );
  // -R writes primary_conninfo; the application name is what synchronous_standby_names waits for.
  appendFileSync(
    join(standby.dataDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${STANDBY_NAME}'\n`,
  );
  start(standby);
  // The primary reports the standby as synchronous once it has caught up.
  for (let i = 0; i < 200; i += 1) {
    if (sql(primary, 'select sync_state from pg_stat_replication') === 'sync') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (sql(primary, 'select sync_state from pg_stat_replication') !== 'sync') {
    throw new Error('the standby did not become synchronous');
  }
  let primaryKilled = false;
  return {
    primary,
    standby,
    urlOf(database, order = 'primary-first') {
      const hosts = [primary, standby].map((s) => `127.0.0.1:${s.port}`);
      if (order === 'standby-first') hosts.reverse();
      return `postgres://postgres@${hosts.join(',')}/${database}?target_session_attrs=read-write`;
    },
    sql,
    killPrimary() {
      const pid = Number(readFileSync(join(primary.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      for (const p of processTree(pid)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      primaryKilled = true;
    },
    promoteStandby() {
      asPostgres(`pg_ctl -D '${standby.dataDir}' -w -t 60 promote >/dev/null`);
      sql(standby, "alter system set synchronous_standby_names = ''");
      sql(standby, 'select pg_reload_conf()');
    },
    stop() {
      try {
        for (const s of primaryKilled ? [standby] : [standby, primary]) {
          try {
            asPostgres(`pg_ctl -D '${s.dataDir}' -m immediate stop >/dev/null 2>&1`);
          } catch {
            // not running
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
