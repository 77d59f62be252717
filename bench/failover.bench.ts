/**
 * `npm run bench -- failover [--before 10] [--after 15] [--clients 16] [--promote-after 1]`
 *
 * Issue 17 item 3, ADR 0118: a PostgreSQL 15 primary with a synchronous standby (started here,
 * as the postgres user, in temporary directories), two Sanctuary instances given both hosts,
 * partner-API submissions from `clients` closed-loop clients (half on each instance, each
 * with its own Idempotency-Key, a failed call retried with the same key as a partner would).
 * After `before` seconds the primary is killed with SIGKILL (postmaster and backends: the loss
 * of its machine); `promote-after` seconds later the standby is promoted (`pg_ctl promote`,
 * then it commits alone); load goes on for `after` seconds. Then, on the new primary: every
 * acknowledged (201) submission must be there exactly once, and both instances must be
 * serving again without a restart. The baseline is the same run's throughput before the kill.
 */
import { randomBytes } from 'node:crypto';
import { pgPairUnavailable, startPgPair } from '../test/support/pg-pair.ts';
import {
  Browser,
  fleetEnv,
  type Instance,
  numberArg,
  percentile,
  prepareDeployment,
  startInstance,
} from './support/fleet.ts';

interface Ack {
  key: string;
  ref: string;
  instance: number;
  sentAt: number;
  at: number;
  attempts: number;
}

export async function run(args: string[]): Promise<void> {
  const unavailable = pgPairUnavailable();
  if (unavailable !== undefined) {
    process.stderr.write(`failover bench cannot run here: ${unavailable}\n`);
    process.exitCode = 1;
    return;
  }
  const beforeS = numberArg(args, 'before', 10);
  const afterS = numberArg(args, 'after', 15);
  const clients = numberArg(args, 'clients', 16);
  const promoteAfterS = numberArg(args, 'promote-after', 1);
  const warmS = 2;

  const pair = await startPgPair();
  const instances: Instance[] = [];
  try {
    pair.sql(pair.primary, 'create database sanctuary_failover');
    const url = pair.urlOf('sanctuary_failover');
    const env = fleetEnv(url);
    const deployment = await prepareDeployment(env);
    for (const name of ['a', 'b']) instances.push(await startInstance(name, env, deployment.shares));
    const browsers = instances.map((i) => new Browser(i.port));

    const acks: Ack[] = [];
    /** Every answer, for the outage and the status counts. */
    const answers: Array<{ at: number; sentAt: number; status: number; instance: number }> = [];
    const start = performance.now();
    const stopIssuing = start + (warmS + beforeS + afterS) * 1000;
    let tKill = Number.NaN;
    let tPromoted = Number.NaN;
    const submitOne = async (instance: number) => {
      const key = randomBytes(12).toString('hex');
      const body = {
        story: `Hotline call ${key}: reservist, summons received, wants to leave.`,
        applicantType: 'reservist',
        country: 'RU',
        urgency: 'date',
        needs: ['leave'],
      };
      // A partner retries a failed call with the same key until it is acknowledged (at most
      // two minutes after the load stops).
      for (let attempt = 1; performance.now() < stopIssuing + 120_000; attempt += 1) {
        const sentAt = performance.now();
        const r = await browsers[instance]!.request('POST', '/api/v1/submissions', {
          headers: { authorization: `Bearer ${deployment.partnerToken}`, 'idempotency-key': key },
          json: body,
        });
        const at = performance.now();
        answers.push({ at, sentAt, status: r.status, instance });
        if (r.status === 201) {
          acks.push({
            key,
            ref: (JSON.parse(r.body) as { caseRef: string }).caseRef,
            instance,
            sentAt,
            at,
            attempts: attempt,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      process.stderr.write(`a submission was never acknowledged (key ${key})\n`);
    };
    const load = Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        while (performance.now() < stopIssuing) await submitOne(c % 2);
      }),
    );
    await new Promise((r) => setTimeout(r, (warmS + beforeS) * 1000));
    tKill = performance.now();
    pair.killPrimary();
    await new Promise((r) => setTimeout(r, promoteAfterS * 1000));
    pair.promoteStandby();
    tPromoted = performance.now();
    await load;
    const tEnd = performance.now();

    // Exactly once, on the new primary.
    const q = (s: string) => pair.sql(pair.standby, s, 'sanctuary_failover');
    const refs = new Set(
      q('select ref from cases')
        .split('\n')
        .filter((l) => l !== ''),
    );
    const cases = Number(q('select count(*) from cases'));
    const keysStored = Number(q('select count(*) from intake_idempotency'));
    const byKey = new Map<string, Set<string>>();
    for (const a of acks) byKey.set(a.key, (byKey.get(a.key) ?? new Set()).add(a.ref));
    const lost = acks.filter((a) => !refs.has(a.ref)).length;
    const answeredTwoWays = [...byKey.values()].filter((s) => s.size > 1).length;
    const duplicated = cases - keysStored + answeredTwoWays;
    const ackedRefs = new Set(acks.map((a) => a.ref));
    const storedNotAcked = [...refs].filter((r) => !ackedRefs.has(r)).length;

    // Outage and recovery: per instance, the first acknowledgement of a call sent after the kill.
    const recovered = instances.map((_, i) => {
      const first = acks.filter((a) => a.instance === i && a.sentAt > tKill).sort((x, y) => x.at - y.at)[0];
      return first === undefined ? Number.NaN : first.at - tKill;
    });
    // The outage as clients saw it: the longest time without any acknowledgement.
    const ackTimes = acks.map((a) => a.at).sort((x, y) => x - y);
    let gap = 0;
    for (let i = 1; i < ackTimes.length; i += 1) gap = Math.max(gap, ackTimes[i]! - ackTimes[i - 1]!);
    // Calls in flight when the primary died: they wait in the group commit's retry (ADR 0118).
    const acrossKill = answers.filter((a) => a.sentAt < tKill && a.at > tKill);
    const rate = (from: number, to: number) =>
      acks.filter((a) => a.at >= from && a.at < to).length / ((to - from) / 1000);
    const before = rate(start + warmS * 1000, tKill);
    const afterFrom = Math.max(...recovered.filter((r) => Number.isFinite(r))) + tKill + 2_000;
    const after = rate(afterFrom, stopIssuing);
    const latency = (from: number, to: number) =>
      acks.filter((a) => a.sentAt >= from && a.at < to && a.attempts === 1).map((a) => a.at - a.sentAt);
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    const retriedAcks = acks.filter((a) => a.attempts > 1).length;
    const instanceErrors = instances.map((i) => i.errors.length);

    const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
    const lines = [
      `failover bench: PostgreSQL 15 primary + synchronous standby, 2 instances, ${clients} partner clients (closed loop), ${beforeS} s before the kill, ${afterS} s after; promotion ${promoteAfterS} s after the kill`,
      `  acknowledged (201): ${acks.length}   lost: ${lost}   duplicated: ${duplicated}   stored but never acknowledged: ${storedNotAcked}`,
      `  cases in the new primary: ${cases}; idempotency records: ${keysStored}; calls answered with two different cases: ${answeredTwoWays}`,
      `  acknowledged only after a retry by the client: ${retriedAcks}; answers by status: ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s === 0 ? 'no answer' : s}: ${n}`)
        .join(', ')}`,
      `  kill -> promoted: ${f(tPromoted - tKill)} ms; longest time without any acknowledgement: ${f(gap)} ms`,
      `  calls in flight at the kill: ${acrossKill.length} (answered 201: ${acrossKill.filter((a) => a.status === 201).length}, after waiting for the new primary)`,
      `  first acknowledgement of a call sent after the kill: instance a ${f(recovered[0]!)} ms, instance b ${f(recovered[1]!)} ms after the kill (no restart)`,
      `  baseline (synchronous standby) before the kill: ${f(before, 1)} acknowledged/s, p50 ${f(percentile(latency(start + warmS * 1000, tKill), 50), 1)} ms, p99 ${f(percentile(latency(start + warmS * 1000, tKill), 99), 1)} ms`,
      `  after recovery (new primary alone): ${f(after, 1)} acknowledged/s, p50 ${f(percentile(latency(afterFrom, tEnd), 50), 1)} ms, p99 ${f(percentile(latency(afterFrom, tEnd), 99), 1)} ms`,
      `  ratio after/before: ${f(after / before, 2)}x   instance stderr lines: a ${instanceErrors[0]}, b ${instanceErrors[1]}`,
      lost === 0 && duplicated === 0 && recovered.every((r) => Number.isFinite(r))
        ? '  PASS: nothing acknowledged lost or duplicated; both instances recovered'
        : '  FAIL',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!(lost === 0 && duplicated === 0 && recovered.every((r) => Number.isFinite(r)))) process.exitCode = 1;
  } finally {
    for (const i of instances) await i.stop().catch(() => {});
    pair.stop();
  }
}
