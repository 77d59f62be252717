import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, loginAs, type TestApp } from '../../../test/support/app.ts';

/** Partner tokens in the staff UI: issued once, listed without the token, revoked for good. */
describe('partner tokens page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const submit = (token: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/submissions',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ story: 'a call to the hotline' }),
    });

  it('issues a token shown once, lists the partner without it, and revokes it at once', async () => {
    const { client } = await loginAs(t, 'admin');
    const page = await client.get('/staff/intake/partners?lang=en');
    expect(page.body).toContain('No token has been issued yet.');
    const issued = await client.post('/staff/intake/partners?lang=en', {
      _csrf: Client.csrfOf(page.body),
      label: 'Night <b>hotline</b>',
    });
    expect(issued.statusCode).toBe(201);
    const token = /<code>(sanctuary_pt_[A-Za-z0-9_-]{43})<\/code>/.exec(issued.body)?.[1];
    expect(token).toBeDefined();
    expect((await submit(token!)).statusCode).toBe(201);

    const listed = await client.get('/staff/intake/partners?lang=en');
    expect(listed.body).toContain('Night &lt;b>hotline&lt;/b>');
    expect(listed.body).not.toContain(token!);
    const action = /action="(\/staff\/intake\/partners\/[0-9a-f-]{36}\/revoke\?lang=en)"/.exec(
      listed.body,
    )?.[1];
    expect(action).toBeDefined();

    // Without the CSRF token nothing changes.
    expect((await client.post(action!, {})).statusCode).toBe(403);
    expect((await submit(token!)).statusCode).toBe(201);

    const revoked = await client.post(action!, { _csrf: Client.csrfOf(listed.body) });
    expect(revoked.statusCode).toBe(303);
    expect((await submit(token!)).statusCode).toBe(401);
    const after = await client.get('/staff/intake/partners?lang=ru');
    expect(after.body).toMatch(/Отозван \d{4}-\d{2}-\d{2}/);
    expect(after.body).not.toContain('/revoke?');
    // Revoking twice, or an id that is not a partner, is a 404.
    expect((await client.post(action!, { _csrf: Client.csrfOf(after.body) })).statusCode).toBe(404);
    expect(
      (
        await client.post('/staff/intake/partners/../../etc/revoke?lang=en', {
          _csrf: Client.csrfOf(after.body),
        })
      ).statusCode,
    ).toBe(404);
    const audit = await t.ctx.database.db.selectFrom('audit_log').select('action').execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['intake.partner_issue', 'intake.partner_revoke']),
    );
  });
});
