import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { staffActor as actor, buildCase, buildTeam } from '../../../test/support/factories.ts';
import { addTeamMember, breakGlass, decideApproval, getAccessAnomalies } from '../case-access/index.ts';
import { getCaseFile } from './case-file.service.ts';
import { assignCase } from './cases.service.ts';

/**
 * Issue 12, finding 6, from the attacker's side: a coordinator may assign any case, so
 * assigning a case to themselves (or to a team of theirs) was a way to read any case with no
 * break-glass and nothing for anyone to review. Now such an assignment needs a second
 * person's approval or an active break-glass grant, and is an access anomaly (ADR 0094).
 */
let t: TestApp;
let coord: TestStaff;
let coord2: TestStaff;
let worker: TestStaff;
let workerTeam: string;
let coordTeam: string;

const caseRow = (id: string) =>
  t.ctx.database.db
    .selectFrom('cases')
    .select(['team_id', 'assignee_id', 'version'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const auditOf = (action: string, actorId: string) =>
  t.ctx.database.db
    .selectFrom('audit_log')
    .select(['target', 'reason'])
    .where('action', '=', action)
    .where('actor', '=', actorId)
    .execute();

beforeAll(async () => {
  t = await buildTestApp();
  coord = await buildStaff(t.ctx, 'coordinator');
  coord2 = await buildStaff(t.ctx, 'coordinator');
  worker = await buildStaff(t.ctx, 'caseworker');
  workerTeam = await buildTeam(t.ctx, { members: [worker.id] });
  coordTeam = await buildTeam(t.ctx, { members: [coord.id] });
}, 120_000);
afterAll(async () => t.close());

describe('a coordinator assigning a case to themselves', () => {
  it('gets no access without a second person, and the attempt is audited and an anomaly', async () => {
    const { id, ref } = await buildCase(t.ctx, {
      teamId: workerTeam,
      assigneeId: worker.id,
      story: 'secret',
    });
    const result = await assignCase(t.ctx, actor(coord), ref, {
      version: '1',
      teamId: workerTeam,
      assigneeId: coord.id,
    });
    expect(result.applied).toBe(false);
    expect(await caseRow(id)).toMatchObject({ team_id: workerTeam, assignee_id: worker.id, version: 1 });
    const file = await getCaseFile(t.ctx, actor(coord), ref);
    expect(file.access).toBe('metadata');
    expect(file.content).toBeNull();
    expect(await auditOf('case.self_assign_request', coord.id)).toEqual([
      { target: `case:${ref}`, reason: `team ${workerTeam}, staff ${coord.id}` },
    ]);
    const anomalies = await getAccessAnomalies(t.ctx, actor(coord2));
    expect(anomalies).toContainEqual(
      expect.objectContaining({ rule: 'self_assignment', staffId: coord.id, count: 1, threshold: 1 }),
    );
  });

  it('gets no access by assigning the case to a team they are in either', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: workerTeam, story: 'secret' });
    const result = await assignCase(t.ctx, actor(coord), ref, { version: '1', teamId: coordTeam });
    expect(result.applied).toBe(false);
    expect((await caseRow(id)).team_id).toBe(workerTeam);
    expect((await getCaseFile(t.ctx, actor(coord), ref)).content).toBeNull();
  });

  it('cannot approve their own request; a second coordinator can, and only then it applies', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: workerTeam, story: 'secret' });
    const { approvalId } = await assignCase(t.ctx, actor(coord), ref, {
      version: '1',
      teamId: workerTeam,
      assigneeId: coord.id,
    });
    await expect(decideApproval(t.ctx, actor(coord), approvalId, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await caseRow(id)).assignee_id).toBeNull();
    await decideApproval(t.ctx, actor(coord2), approvalId, 'approve');
    expect(await caseRow(id)).toMatchObject({ assignee_id: coord.id, version: 2 });
    expect((await getCaseFile(t.ctx, actor(coord), ref)).content?.story).toBe('secret');
    expect((await auditOf('case.self_assign', coord.id)).map((e) => e.target)).toContain(`case:${ref}`);
  });

  it('applies at once under break-glass, audited as a self-assignment', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: workerTeam });
    await breakGlass(t.ctx, actor(coord), { ref, reason: 'the assignee is in hospital, urgent summons' });
    const result = await assignCase(t.ctx, actor(coord), ref, {
      version: '1',
      teamId: workerTeam,
      assigneeId: coord.id,
    });
    expect(result.applied).toBe(true);
    expect((await caseRow(id)).assignee_id).toBe(coord.id);
    const entries = await auditOf('case.self_assign', coord.id);
    expect(entries).toContainEqual({
      target: `case:${ref}`,
      reason: `team ${workerTeam}, staff ${coord.id}, break-glass`,
    });
  });

  it('still assigns other people directly', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: workerTeam });
    const result = await assignCase(t.ctx, actor(coord), ref, {
      version: '1',
      teamId: workerTeam,
      assigneeId: worker.id,
    });
    expect(result.applied).toBe(true);
    expect((await caseRow(id)).assignee_id).toBe(worker.id);
  });

  it('over HTTP: the form answers "needs approval" and the case page still shows no content', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: workerTeam, story: 'very secret story' });
    const client = await signInClient(t.app, coord);
    const page = await client.get(`/staff/cases/${ref}?lang=en`);
    expect(page.statusCode).toBe(200);
    const res = await client.post(`/staff/cases/${ref}/assign?lang=en`, {
      _csrf: Client.csrfOf(page.body),
      version: '1',
      teamId: workerTeam,
      assigneeId: coord.id,
    });
    expect(res.statusCode).toBe(303);
    const after = await client.get(String(res.headers.location));
    expect(after.body).toContain('another coordinator must approve it');
    expect(after.body).not.toContain('very secret story');
  });

  it('cannot join the team of a case to read it; another coordinator can add them', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: workerTeam, story: 'secret' });
    await expect(addTeamMember(t.ctx, actor(coord), workerTeam, { staffId: coord.id })).rejects.toMatchObject(
      {
        code: 'validation_failed',
        fields: { staffId: 'cases.teams.error_self' },
      },
    );
    expect((await getCaseFile(t.ctx, actor(coord), ref)).content).toBeNull();
    await addTeamMember(t.ctx, actor(coord2), workerTeam, { staffId: coord.id });
    expect((await getCaseFile(t.ctx, actor(coord), ref)).content?.story).toBe('secret');
  });
});
