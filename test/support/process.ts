import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'sanctuary.js');

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Makes `dataDir` a Sanctuary data directory holding a migrated, empty embedded database, as
 * the first start of a server leaves it. On a PGlite run it is loaded from the run's template
 * dump (about 1 s of CPU instead of about 6 s for initdb and the migrations); a test of the very
 * first start, or of what the migrations do, uses an empty directory instead. On a PostgreSQL
 * run (no PGlite template) the database is created empty and the first command migrates it.
 */
export async function seedDataDir(dataDir: string): Promise<void> {
  const template = inject('pgliteTemplate');
  const { openDatabase } = await import('../../src/db/database.ts');
  const database = await openDatabase({
    dataDir,
    ...(template === '' ? {} : { loadDataDir: new Blob([readFileSync(template)]) }),
  });
  await database.close();
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sanctuary …` as a user would, with its own environment (never the test runner's
 * DATABASE_URL unless given). `input` is written to its standard input, which is then closed;
 * `null` leaves standard input open (a command that waits on it never exits).
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string | null,
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  if (input !== null) child.stdin.end(input ?? '');
  const [code] = (await once(child, 'exit')) as [number | null];
  child.stdin.destroy();
  return { code: code ?? -1, stdout, stderr };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `sanctuary serve` and waits until it says it listens and /healthz answers. The port
 * comes from `freePort()`, which another process may take before the server binds it (more
 * likely with many test workers): the server then exits with EADDRINUSE and is started again on
 * another port. Only the child's own "listening" line counts as started, so a /healthz answer
 * from someone else's server on that port is never taken for ours.
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const started = await startServerOnce(env, timeoutMs);
    if (started !== 'port taken') return started;
    if (attempt === 3) throw new Error('three free ports were taken before the server could bind them');
  }
}

async function startServerOnce(
  env: Record<string, string>,
  timeoutMs: number,
): Promise<ServerProcess | 'port taken'> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      if (/EADDRINUSE|address already in use/.test(output)) return 'port taken';
      throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    }
    if (output.includes('Sanctuary is listening on ')) {
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) break;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
