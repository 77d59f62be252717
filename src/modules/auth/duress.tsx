import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Actor, requireAllowed, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { sha256 } from '../../crypto/index.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { type MessageKey, t } from '../../platform/i18n/index.ts';
import { CsrfField } from '../../platform/html.tsx';
import {
  Field,
  type FieldErrors,
  redirectWithQuery,
  type StaffFrame,
  StaffPage,
  sendHtml,
} from '../../platform/ui/index.ts';
import { recordAudit } from '../audit/index.ts';
import { sealServer } from '../keys/index.ts';
import { authMessages } from './auth.messages.ts';
import { StaffHomePage } from './auth.views.tsx';
import { findStaffById, setDuressHash } from './staff.repository.ts';
import { clearSessionCookie, cookieNames } from './staff-session.ts';

/**
 * The duress password (issue 18 item 5, ADR 0176). A staff member may set one from their own
 * session, with their real password. Signing in with it (and the real second factor) looks
 * exactly like a normal sign-in, and then:
 *
 * - the event is audited (`auth.duress`, chained like every entry) and a checkpoint is signed
 *   and sent to the witnesses (`onDuress` hooks, registered by the admin module), so the record
 *   is outside the server before the keys go;
 * - the server is sealed (`server.seal` under the person's id): every key leaves memory;
 * - the browser gets an ordinary session cookie for a session that exists only in this
 *   process's memory (never in the database: it can never become a real session), which is
 *   served an empty workspace: the person's navigation, a home page, empty lists. Forms go
 *   nowhere; signing out ends it.
 */

// ---------------------------------------------------------------------------------------------
// The empty workspace

interface Decoy {
  staffId: string;
  role: StaffRoleName;
  email: string;
  csrf: string;
  expiresAt: number;
}
const decoys = new Map<string, Decoy>();
const DECOY_HOURS = 12;

const hashOf = (token: string) => sha256(token).toString('hex');

/** Remembers a duress session (memory only) for the token the browser is given. */
export function openDecoy(token: string, who: { staffId: string; role: StaffRoleName; email: string }): void {
  decoys.set(hashOf(token), {
    ...who,
    csrf: randomBytes(32).toString('base64url'),
    expiresAt: Date.now() + DECOY_HOURS * 3_600_000,
  });
}

function decoyOf(ctx: AppContext, request: FastifyRequest): [string, Decoy] | undefined {
  const token = request.cookies?.[cookieNames(ctx).session];
  if (typeof token !== 'string' || token === '') return undefined;
  const key = hashOf(token);
  const decoy = decoys.get(key);
  if (decoy === undefined) return undefined;
  if (decoy.expiresAt <= Date.now()) {
    decoys.delete(key);
    return undefined;
  }
  return [key, decoy];
}

/**
 * Serves every /staff request of a duress session, sealed or not, before anything else runs
 * (registered in app.ts ahead of the seal check): GET shows the empty workspace, sign-out ends
 * the session, any other POST returns to the home page as if it had worked.
 */
export function registerDecoyWorkspace(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = (request.url.split('?')[0] ?? '/').replace(/\/+$/, '') || '/';
    if (path !== '/staff' && !path.startsWith('/staff/')) return undefined;
    const found = decoyOf(ctx, request);
    if (found === undefined) return undefined;
    const [key, decoy] = found;
    if (request.method === 'POST' && path === '/staff/logout') {
      decoys.delete(key);
      clearSessionCookie(ctx, reply);
      return redirectWithQuery(request, reply, '/staff/login');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return redirectWithQuery(request, reply, '/staff');
    return renderDecoy(app, request, reply, path, decoy);
  });
}

function renderDecoy(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  decoy: Decoy,
) {
  const l = request.locale;
  const actor: StaffActor = {
    kind: 'staff',
    id: decoy.staffId,
    role: decoy.role,
    sessionHash: Buffer.alloc(32),
  };
  const links = app.staffNav.entriesFor(actor as never).map((e) => ({
    href: e.href,
    label: typeof e.label === 'function' ? e.label(l) : t(l, e.label),
  }));
  const frame = {
    locale: l,
    nav: {
      links,
      signedInAs: t(l, 'staff.signed_in_as', {
        email: decoy.email,
        role: t(l, `role.${decoy.role}` as MessageKey),
      }),
      csrf: decoy.csrf,
      signOutAction: '/staff/logout',
    },
  };
  if (path === '/staff' || path === '/staff/login') {
    return sendHtml(reply, 200, <StaffHomePage frame={frame} csrf={decoy.csrf} />);
  }
  const section = [...links].reverse().find((link) => path.startsWith(link.href));
  return sendHtml(
    reply,
    200,
    <StaffPage frame={frame} title={section?.label ?? t(l, 'staff.home')} path={section?.href ?? '/staff'}>
      <p>{authMessages(l, 'auth.decoy_empty')}</p>
    </StaffPage>,
  );
}

// ---------------------------------------------------------------------------------------------
// Sealing

type DuressHook = (ctx: AppContext) => Promise<void>;
const hooks = new Set<DuressHook>();

/** Runs before the seal on a duress sign-in (the admin module signs and pushes a checkpoint). Idempotent. */
export function onDuress(hook: DuressHook): void {
  hooks.add(hook);
}

/**
 * After a duress sign-in was audited: the checkpoint hooks, then the seal. A hook that fails is
 * logged; the seal happens whatever they do.
 */
export async function sealUnderDuress(ctx: AppContext, staffId: string): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook(ctx);
    } catch (error) {
      ctx.logger.error({ err: error }, 'a duress hook failed; sealing anyway');
    }
  }
  await sealServer(ctx.database.db, ctx.vault, staffId);
}

// ---------------------------------------------------------------------------------------------
// Setting it

const setSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('set'),
    password: z.string().max(1024),
    duress: z.string().min(12, { error: 'field.password_weak' }).max(256, { error: 'field.too_long' }),
    duressRepeat: z.string().max(256),
  }),
  z.object({ action: z.literal('remove'), password: z.string().max(1024) }),
]);

export interface DuressDeps {
  verify(hash: string, password: string): Promise<boolean>;
  hash(password: string): Promise<string>;
}

/**
 * Sets or removes the signed-in person's own duress password. Needs their real password; the
 * duress password must differ from it. Audited (`auth.duress_set` / `auth.duress_removed`),
 * without any secret.
 */
export async function setOwnDuressPassword(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  deps: DuressDeps,
): Promise<'set' | 'removed'> {
  requireAllowed(actor.kind === 'staff', 'own duress password');
  const staff = actor as StaffActor;
  const parsed = setSchema.safeParse(input);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? 'duress')] = issue.message;
    throw new AppError('validation_failed', 'duress password', {
      fields: Object.fromEntries(
        Object.entries(fields).map(([k, v]) => [k, v.startsWith('field.') ? v : 'field.invalid']),
      ),
    });
  }
  const db = ctx.database.db;
  const row = await findStaffById(db, staff.id);
  if (row === undefined || row.password_hash === null || row.status !== 'active') {
    throw new AppError('not_found', 'no such active staff');
  }
  const wrong = () =>
    new AppError('validation_failed', 'wrong password', { fields: { password: 'field.invalid' } });
  if (!(await deps.verify(row.password_hash, parsed.data.password))) throw wrong();
  if (parsed.data.action === 'remove') {
    await db.transaction().execute(async (trx) => {
      await setDuressHash(trx, staff.id, null);
      await recordAudit(trx, { actor: staff.id, action: 'auth.duress_removed', target: `staff:${staff.id}` });
    });
    return 'removed';
  }
  const { duress, duressRepeat } = parsed.data;
  if (duress !== duressRepeat) {
    throw new AppError('validation_failed', 'mismatch', {
      fields: { duressRepeat: 'field.password_mismatch' },
    });
  }
  if (await deps.verify(row.password_hash, duress)) {
    throw new AppError('validation_failed', 'same as the password', { fields: { duress: 'field.invalid' } });
  }
  const hash = await deps.hash(duress);
  await db.transaction().execute(async (trx) => {
    await setDuressHash(trx, staff.id, hash);
    await recordAudit(trx, { actor: staff.id, action: 'auth.duress_set', target: `staff:${staff.id}` });
  });
  return 'set';
}

/** For tests: forget every duress session. */
export function forgetDecoys(): void {
  decoys.clear();
}

/** The person's own duress password page (`/staff/account/duress`): set it or remove it. */
export function DuressPage(props: { frame: StaffFrame; csrf: string; errors?: FieldErrors }) {
  const l = props.frame.locale;
  const errors = props.errors;
  const m = (key: Parameters<typeof authMessages>[1]) => authMessages(l, key);
  return (
    <StaffPage frame={props.frame} title={m('auth.duress')} path="/staff/account/duress">
      <p class="notice">{m('auth.duress_help')}</p>
      <form method="post" action={`/staff/account/duress?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <input type="hidden" name="action" value="set" />
        <Field
          locale={l}
          id="duress-password"
          name="password"
          label={m('auth.duress_password')}
          errors={errors}
        >
          {(a) => <input {...a} type="password" autocomplete="current-password" required />}
        </Field>
        <Field locale={l} name="duress" label={m('auth.duress_new')} errors={errors}>
          {(a) => <input {...a} type="password" autocomplete="off" minlength={12} required />}
        </Field>
        <Field locale={l} name="duressRepeat" label={m('auth.duress_repeat')} errors={errors}>
          {(a) => <input {...a} type="password" autocomplete="off" required />}
        </Field>
        <button type="submit">{m('auth.duress_set')}</button>
      </form>
      <form method="post" action={`/staff/account/duress?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <input type="hidden" name="action" value="remove" />
        <Field locale={l} id="remove-password" name="password" label={m('auth.duress_password')}>
          {(a) => <input {...a} type="password" autocomplete="current-password" required />}
        </Field>
        <button type="submit">{m('auth.duress_remove')}</button>
      </form>
    </StaffPage>
  );
}
