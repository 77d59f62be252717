/**
 * A throwaway PostgreSQL cluster for benchmarks, started the way .ci/run does it: initdb and
 * pg_ctl as the `postgres` user in a temporary directory on a free loopback port. fsync and
 * synchronous_commit stay at their defaults: the benchmarks measure durable commits.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/pg-pair.ts';

export { freePort };

export interface ThrowawayPg {
  url: string;
  host: string;
  port: number;
  /** The cluster's postmaster, whose children are its backends (to tell its CPU from others'). */
  postmasterPid: number;
  stop(): void;
}

function asPostgres(command: string): string {
  const path = `/usr/lib/postgresql/15/bin:${process.env.PATH ?? ''}`;
  return execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', `PATH='${path}' ${command}`], {
    encoding: 'utf8',
  });
}

export async function startThrowawayPg(): Promise<ThrowawayPg> {
  const dir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-pg-'));
  chownSync(dir, 101, 104);
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const port = await freePort();
  asPostgres(`initdb -D '${dir}/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null`);
  asPostgres(
    `pg_ctl -D '${dir}/data' -l '${dir}/server.log' -w -o "-p ${port} -k '${dir}' -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null`,
  );
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    postmasterPid: Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]),
    stop() {
      try {
        asPostgres(`pg_ctl -D '${dir}/data' -m fast stop >/dev/null`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
