/**
 * `npm run bench -- intake [--seconds 10] [--rate 1000] [--clients 64]`
 *
 * Against PostgreSQL (DATABASE_URL, or a throwaway cluster started here):
 *   1. baseline: pgbench, single-row inserts of a ~300-byte row, same clients, same server;
 *   2. capacity: durable accepted submissions/s through POST /api/v1/submissions (small text,
 *      encryption, audit and idempotency included), closed loop with N clients; then the same
 *      load against a minimal reference (Fastify, one JSON route, one INSERT per request; issue 17
 *      item 8), and Sanctuary's rate as a share of it (goal >= 0.5x);
 *   3. latency: p50/p99 at a fixed offered load (default 1,000/s, open loop);
 *   4. flood: web-form submissions without proof of work at 10x capacity (as far as this
 *      generator can offer), while /healthz is probed and a trickle of proof-of-work-solving
 *      applicants submit through the same form.
 * The server is the real one (`node bin/sanctuary.js serve`) in its own process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.ts';
import { callAdmin } from '../src/cli/admin-client.ts';
import { parseConfig } from '../src/config/config.ts';
import { solvePowChallenge } from '../src/crypto/index.ts';
import { issuePartnerToken } from '../src/modules/intake/channels/partner-api/partner.service.ts';
import { answersSchema } from '../src/modules/intake/intake.schemas.ts';
import { commitSubmissionBatch, prepareCase } from '../src/modules/intake/intake.service.ts';
import { initShamirKeys, submitUnsealShare } from '../src/modules/keys/keys.service.ts';
import { createLogger } from '../src/platform/logging.ts';
import { freePort, startThrowawayPg } from './support/pg.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface Res {
  status: number;
  body: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Res> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - t0,
        }),
      );
    });
    req.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - t0 }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** CPU ticks (1/100 s) a process has used, from /proc. */
function processTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** The throwaway cluster's postmaster, when the benchmark started one (set in run()). */
let postmaster: number | undefined;

/**
 * CPU ticks of PostgreSQL: the throwaway cluster's postmaster and its children when there is
 * one (other clusters on a shared machine are not counted), else every postgres process; plus
 * what the postmaster has reaped from backends that ended (pgbench's connections close before
 * we look).
 */
function postgresTicks(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1]?.split(' ') ?? [];
      if (postmaster !== undefined && Number(entry) !== postmaster && Number(fields[1]) !== postmaster)
        continue;
      total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/** CPU ticks of this process's children that have been waited for (wrk, run to completion). */
function childTicks(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[13]) + Number(fields[14]);
}

/** wrk from PATH, or installed from Debian's packages when we may; undefined when neither. */
function ensureWrk(): string | undefined {
  const find = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const found = find();
  if (found !== undefined || process.getuid?.() !== 0) return found;
  try {
    execFileSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return find();
}

function wrkPercentile(out: string, label: string): number {
  const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(out);
  if (m === null) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'];
  return Number(m[1]) * scale;
}

/** One partner submission per request, each with its own Idempotency-Key (wrk's Lua). */
const WRK_SCRIPT = `
local counter = 0
local threads = 0
local seed = tostring(math.random(1, 1000000000)) .. tostring(os.time())
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  token = args[1]
end
request = function()
  counter = counter + 1
  local id = string.format("%s-%s-%d", seed, tostring(tid), counter)
  local body = string.format('{"story":"Hotline call %s: reservist, summons received, wants to leave.","applicantType":"reservist","country":"RU","urgency":"date","needs":["leave"]}', id)
  return wrk.format("POST", "/api/v1/submissions", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. id,
  }, body)
end
`;

/**
 * The flood: web-form posts without proof of work, each with a fresh form token, counted
 * by status (printed by done()).
 */
/** Probes /healthz every 100 ms on a fresh connection; prints [status, ms] pairs as JSON. */
const PROBE_SCRIPT = `
const http = require('node:http');
const [port, duration] = process.argv.slice(1).map(Number);
const end = Date.now() + duration;
const seen = [];
const next = () => {
  if (Date.now() >= end) return process.stdout.write(JSON.stringify(seen));
  const t0 = performance.now();
  const done = (status) => { seen.push([status, performance.now() - t0]); setTimeout(next, 100); };
  http
    .get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    })
    .on('error', () => done(0));
};
next();
`;

// The flood reuses one real form (token and challenge, ADR 0091): a forged token would be refused
// as such; a reused one is admitted by the no-JavaScript limits and refused as already used,
// until the path is full.
function floodScript(challenge: string, formToken: string): string {
  return `
local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
statuses = {}
function token()
  local t = {}
  for i = 1, 43 do
    local n = math.random(1, #chars)
    t[i] = chars:sub(n, n)
  end
  return table.concat(t)
end
request = function()
  local body = "form_token=${formToken}&pow_challenge=${encodeURIComponent(challenge)}&story=flood+" .. token()
  return wrk.format("POST", "/submit", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\\n", status, n))
  end
end
`;
}

/** Starts the reference server (bench/support/reference-server.ts) on a free port, runs `load` against it, stops it. */
async function runReference<T>(
  databaseUrl: string,
  dataDir: string,
  load: (port: number) => Promise<T>,
): Promise<T & { serverTicks: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'support', 'reference-server.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), TMPDIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => (d.toString().includes('listening') ? resolve() : undefined));
      child.once('exit', (code) => reject(new Error(`reference server exited with ${code}`)));
    });
    const before = processTicks(child.pid!);
    const result = await load(port);
    return { ...result, serverTicks: processTicks(child.pid!) - before };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
}

const story = () =>
  `Hotline call ${randomBytes(6).toString('hex')}: reservist, summons received, wants to leave.`;

export async function run(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 10);
  const rate = arg(args, 'rate', 1000);
  const clients = arg(args, 'clients', 64);
  const pg = process.env.DATABASE_URL === undefined ? await startThrowawayPg() : undefined;
  postmaster = pg?.postmasterPid;
  const baseUrl = process.env.DATABASE_URL ?? pg!.url;
  const url = new URL(baseUrl);
  const dbName = `intake_bench_${randomBytes(4).toString('hex')}`;
  const psql = (sqlText: string, db = url.pathname.slice(1) || 'postgres') =>
    execFileSync(
      'psql',
      [
        '-X',
        '-q',
        '-h',
        url.hostname,
        '-p',
        url.port || '5432',
        '-U',
        url.username || 'postgres',
        '-d',
        db,
        '-c',
        sqlText,
      ],
      {
        encoding: 'utf8',
      },
    );
  psql(`create database ${dbName}`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-intake-'));
  let server: ReturnType<typeof spawn> | undefined;
  try {
    // 1. pgbench baseline
    psql('create table bench_insert (id bigserial primary key, body bytea not null)', dbName);
    const script = join(dataDir, 'insert.sql');
    writeFileSync(
      script,
      `insert into bench_insert (body) values (decode('${randomBytes(300).toString('hex')}', 'hex'));\n`,
    );
    const pgbenchPgBefore = postgresTicks();
    const pgbenchClientBefore = childTicks();
    const pgbenchOut = execFileSync(
      'pgbench',
      [
        '-n',
        '-f',
        script,
        '-c',
        String(clients),
        '-j',
        '2',
        '-T',
        String(seconds),
        '-h',
        dbUrl.hostname,
        '-p',
        dbUrl.port,
        '-U',
        'postgres',
        dbName,
      ],
      { encoding: 'utf8' },
    );
    const baseline = Number(/tps = ([\d.]+)/.exec(pgbenchOut)?.[1] ?? Number.NaN);
    const pgbenchRows = Number(/number of transactions actually processed: (\d+)/.exec(pgbenchOut)?.[1] ?? 0);
    const pgbenchPgCpu = ((postgresTicks() - pgbenchPgBefore) * 10_000) / Math.max(1, pgbenchRows);
    const pgbenchClientCpu = ((childTicks() - pgbenchClientBefore) * 10_000) / Math.max(1, pgbenchRows);

    // Prepare: migrate, a Shamir-split key (development mode never runs on PostgreSQL,
    // ADR 0083), one partner token (through the real services).
    const env = {
      ...process.env,
      SANCTUARY_ENV: 'production',
      SANCTUARY_PUBLIC_URL: 'http://127.0.0.1',
      SANCTUARY_DATA_DIR: dataDir,
      DATABASE_URL: dbUrl.toString(),
      SANCTUARY_LOG_LEVEL: 'warn',
      INTAKE_QUEUE_CAPACITY: '4000',
      INTAKE_NOJS_PER_MINUTE: '60',
      INTAKE_POW_DIFFICULTY: '16',
      INTAKE_MIN_FILL_SECONDS: '0',
      INTAKE_PARTNER_PER_MINUTE: '10000000',
    };
    const config = parseConfig(env);
    const app = await buildApp(config, { logger: createLogger('warn') });
    const { shares } = await initShamirKeys(app.sanctuary.database.db, { shares: 2, threshold: 2 });
    for (const share of shares)
      await submitUnsealShare(app.sanctuary.database.db, app.sanctuary.vault, share);
    const { token } = await issuePartnerToken(app.sanctuary, { kind: 'cli', id: 'cli' }, { label: 'bench' });
    // 1b. the group commit itself, in process (no HTTP): prepare (keys, encryption) + commit,
    //     two writers, batches of 200, against one-by-one commits.
    //     Each writer first commits two batches that are not counted (JIT, first queries), as
    //     the HTTP phase warms up with 200 requests: the figure is the steady state.
    const serviceRate = async (batch: number, writers: number) => {
      let done = 0;
      let start = 0;
      let stop = Number.POSITIVE_INFINITY;
      let warming = writers;
      await Promise.all(
        Array.from({ length: writers }, async () => {
          for (let warm = 0; warm < 2; warm += 1) {
            await commitSubmissionBatch(
              app.sanctuary,
              Array.from({ length: batch }, () => ({
                rows: prepareCase(
                  app.sanctuary,
                  answersSchema.parse({ story: story(), needs: ['leave'] }),
                  'partner',
                ),
                channel: 'partner' as const,
              })),
            );
          }
          warming -= 1;
          // The clock starts when the last writer is warm; until then the others wait.
          while (warming > 0) await new Promise((r) => setTimeout(r, 1));
          if (stop === Number.POSITIVE_INFINITY) {
            start = performance.now();
            stop = start + (seconds * 1000) / 2;
          }
          while (performance.now() < stop) {
            const jobs = Array.from({ length: batch }, () => ({
              rows: prepareCase(
                app.sanctuary,
                answersSchema.parse({ story: story(), needs: ['leave'] }),
                'partner',
              ),
              channel: 'partner' as const,
            }));
            await commitSubmissionBatch(app.sanctuary, jobs);
            done += batch;
          }
        }),
      );
      // Over the time actually taken: the last batches end after the window closes.
      return done / ((performance.now() - start) / 1000);
    };
    const groupRate = await serviceRate(200, 2);
    const singleRate = await serviceRate(1, 8);
    await app.close();

    const port = await freePort();
    const healthPort = await freePort();
    server = spawn(process.execPath, ['bin/sanctuary.js', 'serve'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', SANCTUARY_HEALTH_PORT: String(healthPort) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d: Buffer) => (d.toString().includes('listening') ? resolve() : undefined));
      server!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    for (const share of shares) await callAdmin(config.adminSocket, 'POST', '/unseal', { share });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const submit = () =>
      send(
        port,
        'POST',
        '/api/v1/submissions',
        { ...auth, 'idempotency-key': randomBytes(12).toString('hex') },
        JSON.stringify({
          story: story(),
          applicantType: 'reservist',
          country: 'RU',
          urgency: 'date',
          needs: ['leave'],
        }),
      );
    for (let i = 0; i < 200; i += 1) await submit(); // warm-up

    // 2. capacity, closed loop. pgbench's client is C; ours is wrk (C, Debian's package) when
    //    it is there, so that the load generator does not eat the server's CPU on a small
    //    machine. Every request carries a fresh Idempotency-Key. Without wrk, a Node client.
    let accepted = 0;
    let capP50 = Number.NaN;
    let capP99 = Number.NaN;
    let loadGenerator = 'node http client';
    const wrk = ensureWrk();
    const cpuBefore = processTicks(server.pid!);
    const pgCpuBefore = postgresTicks();
    const clientCpuBefore = childTicks();
    const nodeClientBefore = process.cpuUsage();
    const lua = join(dataDir, 'submit.lua');
    writeFileSync(lua, WRK_SCRIPT);
    /** Closed loop against a port: wrk with the partner-API script, or the Node client. */
    const closedLoop = async (target: number, nodeSubmit: () => Promise<Res>) => {
      if (wrk !== undefined) {
        const out = execFileSync(
          wrk,
          [
            '-t2',
            `-c${clients}`,
            `-d${seconds}s`,
            '--latency',
            '-s',
            lua,
            `http://127.0.0.1:${target}`,
            '--',
            token,
          ],
          { encoding: 'utf8' },
        );
        const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
        const failed = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
        const errors = /Socket errors: .*/.exec(out)?.[0];
        if (errors !== undefined) process.stderr.write(`wrk: ${errors}\n`);
        return { accepted: total - failed, p50: wrkPercentile(out, '50%'), p99: wrkPercentile(out, '99%') };
      }
      const capLat: number[] = [];
      let n = 0;
      const end = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < end) {
            const r = await nodeSubmit();
            if (r.status === 201) {
              n += 1;
              capLat.push(r.ms);
            }
          }
        }),
      );
      return { accepted: n, p50: pct(capLat, 50), p99: pct(capLat, 99) };
    };
    if (wrk !== undefined) loadGenerator = 'wrk';
    ({ accepted, p50: capP50, p99: capP99 } = await closedLoop(port, submit));
    const capacity = accepted / seconds;
    // Where a submission's CPU goes on this machine: the server process, PostgreSQL, and the
    // load generator (wrk, a waited-for child; or this process). Their sum bounds what any
    // number of server processes could reach on this machine's cores.
    const perAccepted = (ticks: number) => (ticks * 10_000) / Math.max(1, accepted);
    const serverCpuPerSubmission = perAccepted(processTicks(server.pid!) - cpuBefore);
    const pgCpuPerSubmission = perAccepted(postgresTicks() - pgCpuBefore);
    const nodeClient = process.cpuUsage(nodeClientBefore);
    const clientCpuPerSubmission =
      wrk !== undefined
        ? perAccepted(childTicks() - clientCpuBefore)
        : (nodeClient.user + nodeClient.system) / Math.max(1, accepted);
    const machineCpuPerSubmission = serverCpuPerSubmission + pgCpuPerSubmission + clientCpuPerSubmission;

    // 2b. the reference (issue 17, item 8): Fastify, one JSON route, one INSERT per request, no
    //     encryption, audit or idempotency; same load generator, same clients, same database
    //     server, in a process of its own. Sanctuary's server sits idle meanwhile.
    const reference = await runReference(dbUrl.toString(), dataDir, async (refPort) => {
      const refSubmit = () =>
        send(
          refPort,
          'POST',
          '/api/v1/submissions',
          { 'content-type': 'application/json' },
          JSON.stringify({ story: story() }),
        );
      for (let i = 0; i < 200; i += 1) await refSubmit(); // warm-up, as above
      const pgBefore = postgresTicks();
      const clientBefore = childTicks();
      const result = await closedLoop(refPort, refSubmit);
      return { ...result, pgTicks: postgresTicks() - pgBefore, clientTicks: childTicks() - clientBefore };
    });
    const referenceRate = reference.accepted / seconds;
    // On a shared machine the rates move with everyone else's load; the CPU each request costs
    // moves much less. Its ratio is the share the partner API would reach on idle cores.
    const perReference = (ticks: number) => (ticks * 10_000) / Math.max(1, reference.accepted);
    const referenceCpu = perReference(reference.serverTicks + reference.pgTicks + reference.clientTicks);

    // 3. fixed offered load, open loop
    const lat: number[] = [];
    let ok = 0;
    let refused = 0;
    const pending: Array<Promise<void>> = [];
    const start = performance.now();
    for (let i = 0; i < rate * seconds; i += 1) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        submit().then((r) => {
          if (r.status === 201) {
            ok += 1;
            lat.push(r.ms);
          } else refused += 1;
        }),
      );
    }
    await Promise.all(pending);
    const offeredAchieved = (rate * seconds) / ((performance.now() - start) / 1000);

    // 4. flood: no-proof-of-work web submissions at 10x capacity (as far as we can offer),
    //    /healthz probes and a trickle of proof-of-work applicants.
    const floodTarget = capacity * 10;
    const formPage = await send(port, 'GET', '/', {});
    const floodFields = (html: string) => ({
      form_token: /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '',
      pow_challenge: /name="pow_challenge" value="([^"]+)"/.exec(html)?.[1] ?? '',
    });
    const f0 = floodFields(formPage.body);
    let floodSent = 0;
    const floodStatus = new Map<number, number>();
    let powOk = 0;
    let powN = 0;
    const powLat: number[] = [];
    const floodEnd = performance.now() + seconds * 1000;
    const inflight = new Set<Promise<void>>();
    let floodBy = 'node http client';
    const flood =
      wrk !== undefined
        ? (async () => {
            // wrk offers far more than a Node client on this machine; it runs beside the
            // probes and the applicants below, which share its time window.
            floodBy = 'wrk';
            const lua = join(dataDir, 'flood.lua');
            writeFileSync(lua, floodScript(f0.pow_challenge, f0.form_token));
            const child = spawn(
              wrk,
              ['-t1', '-c256', `-d${seconds}s`, '-s', lua, `http://127.0.0.1:${port}`],
              { stdio: ['ignore', 'pipe', 'inherit'] },
            );
            let out = '';
            child.stdout.on('data', (d: Buffer) => {
              out += d.toString();
            });
            await new Promise((r) => child.once('exit', r));
            floodSent = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
            for (const m of out.matchAll(/^status (\d+) (\d+)$/gm))
              floodStatus.set(Number(m[1]), Number(m[2]));
          })()
        : (async () => {
            while (performance.now() < floodEnd) {
              if (inflight.size >= 512) await Promise.race(inflight);
              const body = new URLSearchParams({
                ...f0,
                story: story(),
              }).toString();
              const p: Promise<void> = send(
                port,
                'POST',
                '/submit',
                { 'content-type': 'application/x-www-form-urlencoded' },
                body,
              ).then((r) => {
                floodStatus.set(r.status, (floodStatus.get(r.status) ?? 0) + 1);
                inflight.delete(p);
              });
              inflight.add(p);
              floodSent += 1;
            }
          })();
    // The probes run in processes of their own: the applicants below solve their proof of work
    // synchronously in this one, and a probe timed here would count that wait as the server's.
    // One probes the main port, as a health check pointed there would; the other the
    // health-check port (ADR 0080).
    const probe = async (probePort: number) => {
      const child = spawn(process.execPath, ['-e', PROBE_SCRIPT, String(probePort), String(seconds * 1000)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await new Promise((r) => child.once('exit', r));
      const seen = JSON.parse(out || '[]') as Array<[number, number]>;
      return { ok: seen.filter(([status]) => status === 200).length, ms: seen.map(([, ms]) => ms) };
    };
    const probes = Promise.all([probe(port), probe(healthPort)]);
    const applicants = (async () => {
      while (performance.now() < floodEnd) {
        const t0 = performance.now();
        const page = await send(port, 'GET', '/?lang=en', {});
        const f = floodFields(page.body);
        if (f.pow_challenge === '') {
          powN += 1;
          continue;
        }
        const solution = solvePowChallenge(f.pow_challenge, Number(f.pow_challenge.split('.')[1]));
        const body = new URLSearchParams({
          ...f,
          pow_solution: solution,
          story: 'A real person with proof of work',
        }).toString();
        const r = await send(
          port,
          'POST',
          '/submit',
          { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        );
        powN += 1;
        if (r.status === 200 && r.body.includes('id="codename"')) {
          powOk += 1;
          powLat.push(performance.now() - t0);
        }
        await new Promise((res) => setTimeout(res, 500));
      }
    })();
    const [, [mainProbe, healthProbe]] = await Promise.all([flood, probes, applicants]);
    await Promise.all(inflight);

    const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
    const cores = availableParallelism();
    const lines = [
      `intake benchmark (PostgreSQL ${pg === undefined ? 'from DATABASE_URL' : 'throwaway cluster'}, ${clients} clients, ${seconds} s per phase)`,
      `  baseline pgbench single-row insert:        ${fmt(baseline)} rows/s   (CPU per row: PostgreSQL ${pgbenchPgCpu.toFixed(0)} µs + pgbench ${pgbenchClientCpu.toFixed(0)} µs)`,
      `  group commit in process (prepare+encrypt+commit, batches of 200, 2 writers): ${fmt(groupRate)} /s   ratio ${(groupRate / baseline).toFixed(2)}x`,
      `  same, one submission per transaction (8 writers):                          ${fmt(singleRate)} /s   ratio ${(singleRate / baseline).toFixed(2)}x`,
      `  durable accepted submissions over HTTP (partner API, separate server process): ${fmt(capacity)} /s   ratio ${(capacity / baseline).toFixed(2)}x of pgbench`,
      `    load generator ${loadGenerator}; closed-loop latency p50 ${fmt(capP50)} ms, p99 ${fmt(capP99)} ms`,
      `    CPU per accepted submission: server ${serverCpuPerSubmission.toFixed(0)} µs + PostgreSQL ${pgCpuPerSubmission.toFixed(0)} µs + load generator ${clientCpuPerSubmission.toFixed(0)} µs = ${machineCpuPerSubmission.toFixed(0)} µs`,
      `  reference, Fastify + one INSERT per request (no encryption, no audit), same load generator: ${fmt(referenceRate)} /s, p50 ${fmt(reference.p50)} ms, p99 ${fmt(reference.p99)} ms`,
      `    CPU per reference request: server ${perReference(reference.serverTicks).toFixed(0)} µs + PostgreSQL ${perReference(reference.pgTicks).toFixed(0)} µs + load generator ${perReference(reference.clientTicks).toFixed(0)} µs = ${referenceCpu.toFixed(0)} µs`,
      `  Sanctuary's partner API as a share of the reference: ${(capacity / referenceRate).toFixed(2)}x by rate (goal >= 0.50x); ${(referenceCpu / machineCpuPerSubmission).toFixed(2)}x by CPU per request (what idle cores would give)`,
      `    ceilings: one server process ${fmt(1e6 / serverCpuPerSubmission)}/s (one core); this machine's ${cores} cores, any number of processes, ${fmt((cores * 1e6) / machineCpuPerSubmission)}/s = ${((cores * 1e6) / machineCpuPerSubmission / baseline).toFixed(2)}x of pgbench`,
      `  fixed offered load ${rate}/s (achieved ${fmt(offeredAchieved)}/s): accepted ${ok}, refused ${refused}, p50 ${fmt(pct(lat, 50))} ms, p99 ${fmt(pct(lat, 99))} ms`,
      `  flood (${floodBy}, 256 connections): target ${fmt(floodTarget)}/s web submissions without proof of work; answered ${fmt(floodSent / seconds)}/s (${fmt(floodSent / seconds / Math.max(1, capacity))}x capacity; each refusal closes its connection, so the flood must reconnect, ADR 0081); answers ${JSON.stringify(Object.fromEntries(floodStatus))}`,
      ...(
        [
          ['main port', mainProbe],
          ['health-check port', healthProbe],
        ] as const
      ).map(
        ([name, r]) =>
          `    /healthz on the ${name} (its own process, a new connection each, 100 ms apart): ${r.ok}/${r.ms.length} ok, p50 ${fmt(pct(r.ms, 50))} ms, p99 ${fmt(pct(r.ms, 99))} ms`,
      ),
      `    proof-of-work applicants: ${powOk}/${powN} accepted, p50 ${fmt(pct(powLat, 50))} ms (solve + submit)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (server !== undefined && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    agent.destroy();
    try {
      psql(`drop database if exists ${dbName} with (force)`);
    } catch {
      // the cluster may be gone already
    }
    pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
