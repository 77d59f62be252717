import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  type Client,
  loginAs,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { encryptField } from '../../crypto/index.ts';
import { pathwayChecksTimeline } from '../case-pathways/index.ts';
import { setSubjectKeyOpenHook, withSubjectKey } from '../keys/index.ts';
import { addNote, addTask } from './case-messages.service.ts';

/**
 * Opening one case page reads each key once (issue 13): the case key is unwrapped once per
 * request, whatever the page shows (notes, tasks, a saved pathway check from the case
 * pathways module, the access log), and the page is built from one service call.
 */
let t: TestApp;
let cw: { client: Client; staff: TestStaff };
let caseId: string;
let ref: string;
let checkId: string;

beforeAll(async () => {
  t = await buildTestApp();
  cw = await loginAs(t, 'caseworker');
  const team = await buildTeam(t.ctx, { name: 'Keys once', members: [cw.staff.id] });
  ({ id: caseId, ref } = await buildCase(t.ctx, { teamId: team }));
  await addNote(t.ctx, staffActor(cw.staff), ref, { body: 'a note to decrypt' });
  await addTask(t.ctx, staffActor(cw.staff), ref, { kind: 'other', title: 'call back', dueOn: '2030-01-01' });
  // A saved pathway check: the case pathways module's timeline entry, decrypted with the same key.
  checkId = randomUUID();
  const payload = await withSubjectKey(t.ctx, `case:${caseId}`, (key) =>
    encryptField(key, '{}', { table: 'case_pathway_checks', column: 'payload', rowId: checkId }),
  );
  await t.ctx.database.db
    .insertInto('case_pathway_checks')
    .values({
      id: checkId,
      case_id: caseId,
      author_id: cw.staff.id,
      content_version: 'a'.repeat(64),
      evaluated_on: '2026-12-01',
      payload_enc: payload,
      at: new Date(),
    })
    .execute();
}, 120_000);
afterAll(async () => t.close());

describe('opening a case page', () => {
  it('opens the case key once, with notes, a task and a saved pathway check on the timeline', async () => {
    expect(pathwayChecksTimeline.name).toBe('pathways');
    const opened: string[] = [];
    setSubjectKeyOpenHook((subject) => opened.push(subject));
    let res: Awaited<ReturnType<Client['get']>>;
    try {
      res = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    } finally {
      setSubjectKeyOpenHook(undefined);
    }
    expect(res.statusCode).toBe(200);
    // Everything that needs the key is on the page...
    expect(res.body).toContain('a note to decrypt');
    expect(res.body).toContain('call back');
    expect(res.body).toContain(`check-${checkId}`);
    // ...and the key was unwrapped once.
    expect(opened.filter((s) => s === `case:${caseId}`)).toEqual([`case:${caseId}`]);
  });
});
