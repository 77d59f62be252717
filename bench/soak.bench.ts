/**
 * `npm run bench -- soak [--minutes 60] [--rate 20]`
 *
 * Issue 17 item 7: two instances on a PostgreSQL 15 primary with a synchronous standby (started
 * here), mixed applicant and staff traffic offered at a fixed rate (open loop, `rate` actions
 * per second, alternating between the instances):
 *   - 30% partner-API submissions;
 *   - 20% an applicant opening the form;
 *   - 15% an applicant submitting the form (proof of work solved), signing in with the codename
 *     and reading the inbox (four requests);
 *   - 35% staff: the case list, a case page, a case search (each instance has its own signed-in
 *     coordinator).
 * Printed per minute: requests, p50/p99 latency, errors (no answer, 5xx, or an answer the
 * step did not expect); per instance, RSS and heap each minute and their linear-regression
 * slope after the first minute. Goal (issue 17): over 60 minutes no growth trend and every
 * minute's p99 within 20% of the median minute's.
 */
import { randomBytes } from 'node:crypto';
import { solvePowChallenge, totpCode } from '../src/crypto/index.ts';
import { pgPairUnavailable, startPgPair } from '../test/support/pg-pair.ts';
import {
  Browser,
  fleetEnv,
  type HttpResult,
  type Instance,
  numberArg,
  percentile,
  prepareDeployment,
  startInstance,
} from './support/fleet.ts';

interface Sample {
  at: number;
  ms: number;
  kind: string;
  ok: boolean;
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

export async function run(args: string[]): Promise<void> {
  const unavailable = pgPairUnavailable();
  if (unavailable !== undefined) {
    process.stderr.write(`soak cannot run here: ${unavailable}\n`);
    process.exitCode = 1;
    return;
  }
  const minutes = numberArg(args, 'minutes', 60);
  const rate = numberArg(args, 'rate', 20);
  const pair = await startPgPair();
  const instances: Instance[] = [];
  try {
    pair.sql(pair.primary, 'create database sanctuary_soak');
    const env = fleetEnv(pair.urlOf('sanctuary_soak'));
    const deployment = await prepareDeployment(env, 2);
    for (const name of ['a', 'b']) instances.push(await startInstance(name, env, deployment.shares));

    // One signed-in coordinator per instance (sees every case) (staff sessions are per instance until issue 17
    // item 1 moves them to the database). The code of the next time step: enrolment used this one.
    const staff = await Promise.all(
      instances.map(async (instance, i) => {
        const b = new Browser(instance.port);
        const login = deployment.staff[i]!;
        const page = await b.request('GET', '/staff/login');
        const r = await b.request('POST', '/staff/login', {
          form: {
            _csrf: csrfOf(page.body),
            email: login.email,
            password: login.password,
            totp: totpCode(login.totpSecret, Date.now() + 30_000),
          },
        });
        if (r.status !== 303)
          throw new Error(`staff sign-in on instance ${instance.name} answered ${r.status}`);
        return b;
      }),
    );

    const samples: Sample[] = [];
    const refs: string[] = [];
    const start = performance.now();
    const record = (kind: string, r: HttpResult, expected: readonly number[]) => {
      samples.push({ at: performance.now(), ms: r.ms, kind, ok: expected.includes(r.status) });
      return expected.includes(r.status);
    };

    const partner = async (port: number) => {
      const r = await new Browser(port).request('POST', '/api/v1/submissions', {
        headers: {
          authorization: `Bearer ${deployment.partnerToken}`,
          'idempotency-key': randomBytes(12).toString('hex'),
        },
        json: { story: `Soak call ${randomBytes(6).toString('hex')}`, needs: ['leave'], urgency: 'date' },
      });
      if (record('partner submission', r, [201])) {
        refs.push((JSON.parse(r.body) as { caseRef: string }).caseRef);
        if (refs.length > 1000) refs.splice(0, refs.length - 1000);
      }
    };
    const openForm = async (port: number) => {
      record('applicant form', await new Browser(port).request('GET', '/?lang=en'), [200]);
    };
    const applicant = async (port: number) => {
      const b = new Browser(port);
      const form = await b.request('GET', '/?lang=en');
      if (!record('applicant form', form, [200])) return;
      const token = /name="form_token" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
      const challenge = /name="pow_challenge" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
      const solution = solvePowChallenge(challenge, Number(challenge.split('.')[1]));
      const sent = await b.request('POST', '/submit?lang=en', {
        form: {
          form_token: token,
          pow_challenge: challenge,
          pow_solution: solution,
          story: `Soak applicant ${randomBytes(6).toString('hex')}`,
        },
      });
      if (!record('applicant submit', sent, [200])) return;
      const codename = /id="codename">([^<]+)</.exec(sent.body)?.[1]?.trim() ?? '';
      const inbox = await b.request('GET', '/inbox?lang=en');
      const signIn = await b.request('POST', '/inbox/sign-in?lang=en', {
        form: { _csrf: csrfOf(inbox.body), codename },
      });
      if (!record('applicant sign-in', signIn, [303])) return;
      record('applicant inbox', await b.request('GET', '/inbox?lang=en'), [200]);
    };
    const staffWork = async (i: number) => {
      const b = staff[i]!;
      const pick = Math.random();
      if (pick < 0.4 || refs.length === 0) {
        record('staff case list', await b.request('GET', '/staff/cases?lang=en'), [200]);
      } else if (pick < 0.8) {
        const ref = refs[Math.floor(Math.random() * refs.length)]!;
        record('staff case page', await b.request('GET', `/staff/cases/${ref}?lang=en`), [200]);
      } else {
        const page = await b.request('GET', '/staff/cases/search?lang=en');
        const r = await b.request('POST', '/staff/cases/search?lang=en', {
          form: { _csrf: csrfOf(page.body), q: 'soak' },
        });
        record('staff search', r, [200]);
      }
    };

    // Open loop: one action every 1/rate s whatever the answers, on alternating instances.
    const end = start + minutes * 60_000;
    const inFlight = new Set<Promise<void>>();
    let tick = 0;
    const reported = new Set<number>();
    while (performance.now() < end) {
      const i = tick % 2;
      const port = instances[i]!.port;
      const pick = Math.random();
      const action =
        pick < 0.3
          ? partner(port)
          : pick < 0.5
            ? openForm(port)
            : pick < 0.65
              ? applicant(port)
              : staffWork(i);
      const p = action.catch(() => {}).finally(() => inFlight.delete(p));
      inFlight.add(p);
      tick += 1;
      const due = start + (tick * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const minute = Math.floor((performance.now() - start) / 60_000);
      if (minute > 0 && !reported.has(minute - 1)) {
        reported.add(minute - 1);
        process.stderr.write(`soak: minute ${minute} of ${minutes} done\n`);
      }
    }
    await Promise.all(inFlight);

    const lines: string[] = [
      `soak: ${minutes} min, ${rate} actions/s offered (open loop), 2 instances, PostgreSQL 15 primary + synchronous standby`,
      'minute  requests   p50 ms   p99 ms  errors',
    ];
    const p99s: number[] = [];
    for (let m = 0; m < minutes; m += 1) {
      const inMinute = samples.filter((s) => s.at >= start + m * 60_000 && s.at < start + (m + 1) * 60_000);
      const ms = inMinute.map((s) => s.ms);
      const p99 = percentile(ms, 99);
      if (m > 0) p99s.push(p99);
      lines.push(
        `${String(m + 1).padStart(6)}  ${String(inMinute.length).padStart(8)}  ${percentile(ms, 50).toFixed(1).padStart(7)}  ${p99.toFixed(1).padStart(7)}  ${String(inMinute.filter((s) => !s.ok).length).padStart(6)}`,
      );
    }
    const kinds = [...new Set(samples.map((s) => s.kind))].sort();
    lines.push('by kind (whole run):');
    for (const kind of kinds) {
      const of = samples.filter((s) => s.kind === kind);
      const ms = of.map((s) => s.ms);
      lines.push(
        `  ${kind.padEnd(20)} ${String(of.length).padStart(7)} requests, p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, errors ${of.filter((s) => !s.ok).length}`,
      );
    }
    const medianP99 = percentile(p99s, 50);
    const worst = Math.max(...p99s.map((p) => Math.abs(p - medianP99) / medianP99));
    lines.push(
      p99s.length >= 2
        ? `p99 stability (minutes 2..${minutes}): median ${medianP99.toFixed(1)} ms, worst minute off by ${(worst * 100).toFixed(0)}% (goal: within 20%)`
        : 'p99 stability: needs at least 3 minutes (the first is warm-up)',
    );
    lines.push('memory per instance (after the first minute; slope by least squares):');
    for (const instance of instances) {
      const after = instance.memory.filter((s) => s.at >= start + 60_000);
      const mb = (b: number) => b / 1024 / 1024;
      const perHour = (key: 'rss' | 'heapUsed') =>
        slope(after.map((s) => [(s.at - start) / 3_600_000, mb(s[key])] as const));
      const first = after[0];
      const last = after.at(-1);
      lines.push(
        first === undefined || last === undefined
          ? `  ${instance.name}: not enough samples (run 2 minutes or more)`
          : `  ${instance.name}: RSS ${mb(first.rss).toFixed(0)} -> ${mb(last.rss).toFixed(0)} MB (slope ${perHour('rss').toFixed(1)} MB/h), heap ${mb(first.heapUsed).toFixed(0)} -> ${mb(last.heapUsed).toFixed(0)} MB (slope ${perHour('heapUsed').toFixed(1)} MB/h); stderr lines ${instance.errors.length}`,
      );
    }
    lines.push(
      `baseline: the first minute after warm-up has p99 ${p99s[0]?.toFixed(1) ?? 'n/a'} ms; last minute / that: ${p99s.length > 0 ? (p99s.at(-1)! / p99s[0]!).toFixed(2) : 'n/a'}x`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const i of instances) await i.stop().catch(() => {});
    pair.stop();
  }
}
