import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDocument } from '../html.tsx';
import { type Locale, t } from '../i18n/index.ts';
import {
  DataTable,
  defineFlashes,
  Field,
  FieldError,
  PostForm,
  Section,
  SelectField,
  StaffNavRegistry,
  StaffPage,
  sendHtml,
  staffFrame,
  TextAreaField,
} from './index.ts';

const render = (node: preact.VNode) => renderDocument(node);

describe('FieldError and Field', () => {
  it('ties the error to its control: the id, aria-invalid and aria-describedby', () => {
    const html = render(
      <Field
        locale="en"
        id="new-email"
        name="email"
        label="Email"
        hint="Work address"
        errors={{ email: 'field.invalid' }}
      >
        {(a) => <input {...a} type="email" />}
      </Field>,
    );
    expect(html).toContain('<label for="new-email">Email</label>');
    expect(html).toContain('<span class="hint" id="new-email-hint">Work address</span>');
    expect(html).toMatch(
      /<input id="new-email" name="email" aria-invalid="true" aria-describedby="new-email-hint email-error"/,
    );
    expect(html).toContain(`<span class="error" id="email-error">${t('en', 'field.invalid')}</span>`);
  });

  it('says nothing, and marks nothing invalid, when the field has no error', () => {
    const html = render(
      <Field locale="en" name="totp" label="Code" errors={{ other: 'field.invalid' }}>
        {(a) => <input {...a} />}
      </Field>,
    );
    expect(html).not.toContain('aria-invalid');
    expect(html).not.toContain('aria-describedby');
    expect(html).not.toContain('class="error"');
    expect(render(<FieldError locale="en" errors={undefined} name="totp" />)).toBe('<!doctype html>');
  });

  it('translates with the module catalogue it is given, under a prefixed id', () => {
    const html = render(
      <FieldError
        locale="ru"
        errors={{ country: 'pw.bad' }}
        name="country"
        idPrefix="pw-"
        translate={(l: Locale, key: string) => `${l}:${key}`}
      />,
    );
    expect(html).toContain('<span class="error" id="pw-country-error">ru:pw.bad</span>');
  });
});

describe('Section, PostForm, SelectField and TextAreaField', () => {
  it('names a section by its heading and puts the CSRF field first in a POST form', () => {
    const html = render(
      <Section headingId="tasks-h" id="tasks" title="Tasks">
        <PostForm action="/x?lang=en" csrf="tok" enctype="multipart/form-data">
          <button type="submit">Go</button>
        </PostForm>
        <PostForm action="/y" csrf="tok" class="inline" id="f2" />
      </Section>,
    );
    expect(html).toContain(
      '<section aria-labelledby="tasks-h" id="tasks"><h2 id="tasks-h">Tasks</h2>' +
        '<form method="post" action="/x?lang=en" class="stack" enctype="multipart/form-data">' +
        '<input type="hidden" name="_csrf" value="tok"/><button type="submit">Go</button></form>' +
        '<form method="post" action="/y" class="inline" id="f2"><input type="hidden" name="_csrf" value="tok"/></form>',
    );
  });

  it('selects the given option and ties an error to the select or text area', () => {
    const errors = { to: 'field.invalid', notes: 'field.too_long' };
    const html = render(
      <>
        <SelectField
          locale="en"
          id="status-to"
          name="to"
          label="To"
          options={[
            ['a', 'A'],
            ['b', 'B'],
          ]}
          value="b"
          errors={errors}
          idPrefix="status-"
          required
        />
        <TextAreaField
          locale="en"
          name="notes"
          label="Notes"
          value="<b>x</b>"
          rows={2}
          maxLength={50}
          errors={errors}
        />
      </>,
    );
    expect(html).toContain(
      '<label for="status-to">To</label><select id="status-to" name="to" aria-invalid="true" ' +
        'aria-describedby="status-to-error" required><option value="a">A</option>' +
        '<option value="b" selected>B</option></select>' +
        `<span class="error" id="status-to-error">${t('en', 'field.invalid')}</span>`,
    );
    expect(html).toContain(
      '<textarea id="notes" name="notes" aria-invalid="true" aria-describedby="notes-error" rows="2" maxlength="50">&lt;b>x&lt;/b></textarea>',
    );
  });
});

describe('DataTable', () => {
  const columns = [
    { key: 'name', header: 'Name', cell: (r: { id: string; name: string }) => r.name, rowHeader: true },
    {
      key: 'act',
      header: <span class="skip">Act</span>,
      cell: (r: { id: string }) => <a href={`/x/${r.id}`}>go</a>,
    },
  ];

  it('renders a caption, column headers with scope, escaped cells and row attributes', () => {
    const html = render(
      <DataTable
        caption="People"
        columns={columns}
        rows={[{ id: 'a1', name: '<b>Ann</b>' }]}
        rowKey={(r) => r.id}
        rowAttributes={(r) => ({ 'data-id': r.id })}
        empty="Nobody"
      />,
    );
    expect(html).toContain('<caption>People</caption>');
    expect(html).toContain('<th scope="col">Name</th><th scope="col"><span class="skip">Act</span></th>');
    expect(html).toContain(
      '<tr data-id="a1"><th scope="row">&lt;b>Ann&lt;/b></th><td><a href="/x/a1">go</a></td></tr>',
    );
    expect(html).not.toContain('Nobody');
  });

  it('says the sorted column in its header’s aria-sort, and no order on the others', () => {
    const html = render(
      <DataTable
        columns={[{ ...columns[0]!, sorted: 'descending' as const }, columns[1]!]}
        rows={[{ id: 'a1', name: 'Ann' }]}
        rowKey={(r) => r.id}
        empty="Nobody"
      />,
    );
    expect(html).toContain('<th scope="col" aria-sort="descending">Name</th><th scope="col"><span');
    expect(html.match(/aria-sort/g)).toHaveLength(1);
  });

  it('shows the empty state instead of a table, and keeps the pager', () => {
    const html = render(
      <DataTable
        columns={columns}
        rows={[]}
        rowKey={(r) => r.id}
        empty="Nobody"
        pagination={{ label: 'Pages', previous: { href: '/x?page=1', label: 'Previous' }, current: 'Page 2' }}
      />,
    );
    expect(html).not.toContain('<table');
    expect(html).toContain('<p>Nobody</p>');
    expect(html).toContain(
      '<nav aria-label="Pages"><a href="/x?page=1">Previous</a> <span>Page 2</span> </nav>',
    );
  });
});

describe('the staff page frame', () => {
  let app: FastifyInstance;
  const registry = new StaffNavRegistry<{ role: string }>();
  const flashes = defineFlashes(['demo.saved'], (l, key) => `${l}:${key}`);

  beforeAll(async () => {
    app = Fastify();
    app.decorate('staffNav', registry as never);
    app.decorateRequest('locale', 'en');
    registry.add(
      { href: '/staff/b', label: 'staff.admin', visible: (a) => a.role === 'admin', order: 40 },
      { href: '/staff', label: 'staff.home', visible: () => true, order: 10 },
      { href: '/staff/a', label: (l) => `${l}:cases`, visible: () => true, order: 20 },
    );
    registry.setSession({
      actor: (request) => {
        const role = (request.query as Record<string, string>).role;
        return role === undefined ? null : { role };
      },
      describe: async (_request, _reply, actor) => ({ signedInAs: `as ${actor.role}`, csrf: 'tok' }),
      signOutAction: '/staff/logout',
    });
    app.get('/page', async (request, reply) => {
      const frame = await staffFrame(request, reply, { flashes, error: 'Broken <field>' });
      return sendHtml(reply, 200, <StaffPage frame={frame} title="Demo" path="/page" subnav={<p>sub</p>} />);
    });
    app.get('/redirect', async (request, reply) =>
      flashes.redirect(request, reply, '/page?x=1', 'demo.saved'),
    );
  });
  afterAll(async () => app.close());

  it('renders the registry entries the member may see, in order, then who is signed in and sign out', async () => {
    const res = await app.inject({ url: '/page?role=admin&flash=demo.saved' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const nav = /<nav aria-label="staff">(.*?)<\/nav>/.exec(res.body)?.[1] ?? '';
    expect([...nav.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]])).toEqual([
      ['/staff?lang=en', t('en', 'staff.home')],
      ['/staff/a?lang=en', 'en:cases'],
      ['/staff/b?lang=en', t('en', 'staff.admin')],
    ]);
    expect(nav).toContain(
      '<span>as admin</span> <form method="post" action="/staff/logout?lang=en" class="inline">',
    );
    expect(nav).toContain('<input type="hidden" name="_csrf" value="tok"/>');
    // Under the bar: the module's own navigation, the flash (translated), the error summary.
    expect(res.body).toContain(
      '<h1>Demo</h1><p>sub</p><p class="ok" role="status">en:demo.saved</p><p class="alert" role="alert">Broken &lt;field></p>',
    );
  });

  it('hides entries the member may not see, and shows no bar to nobody', async () => {
    const other = await app.inject({ url: '/page?role=caseworker' });
    expect(other.body).toContain('/staff/a?lang=en');
    expect(other.body).not.toContain('/staff/b?lang=en');
    const none = await app.inject({ url: '/page' });
    expect(none.body).not.toContain('aria-label="staff"');
  });

  it('shows only the flash keys its module declared, and redirects with one after POST', async () => {
    const forged = await app.inject({ url: '/page?role=admin&flash=Your%20account%20is%20locked' });
    expect(forged.body).not.toContain('role="status"');
    expect(forged.body).not.toContain('locked');
    const res = await app.inject({ url: '/redirect' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/page?x=1&lang=en&flash=demo.saved');
  });

  it('refuses an entry registered twice', () => {
    expect(() =>
      registry.add({ href: '/staff', label: 'staff.home', visible: () => true, order: 1 }),
    ).toThrow(/registered twice/);
  });
});
