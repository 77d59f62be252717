import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { CsrfField, StaffLayout } from '../html.tsx';
import { type Locale, t } from '../i18n/index.ts';
import type { Flashes } from './flash.ts';
import { resolveStaffNav, type StaffNavModel } from './nav.ts';

/**
 * What every staff page needs besides its own content: the locale, the navigation from the
 * registry (absent on the sign-in and enrolment pages), and the messages above the content.
 * Routes build it with `staffFrame`; views render it with `StaffPage`.
 */
export interface StaffFrame {
  readonly locale: Locale;
  readonly nav?: StaffNavModel | undefined;
  /** A translated success message (role="status"). */
  readonly flash?: string | undefined;
  /** A translated error summary (role="alert"). */
  readonly error?: string | undefined;
}

export interface StaffFrameOptions {
  /** Flash keys this page accepts in its query (`?flash=`), translated by their module. */
  readonly flashes?: Flashes<string> | undefined;
  /** A flash message the route has already translated (wins over the query's). */
  readonly flash?: string | undefined;
  readonly error?: string | undefined;
}

/** The frame of the page being rendered: navigation for the signed-in member, flash, error. */
export async function staffFrame(
  request: FastifyRequest,
  reply: FastifyReply,
  options: StaffFrameOptions = {},
): Promise<StaffFrame> {
  return {
    locale: request.locale,
    nav: await resolveStaffNav(request, reply),
    flash: options.flash ?? options.flashes?.read(request),
    error: options.error,
  };
}

/** The staff navigation bar: the registry's links, who is signed in, and the sign-out form (POST + CSRF). */
export function StaffNavBar(props: { locale: Locale; nav: StaffNavModel }) {
  const l = props.locale;
  const nav = props.nav;
  return (
    <nav aria-label="staff">
      {nav.links.map((link) => (
        <a href={`${link.href}?lang=${l}`} key={link.href}>
          {link.label}
          {link.count === undefined || link.count === 0 ? null : (
            <span class="nav-count"> ({link.count})</span>
          )}
        </a>
      ))}
      <span>{nav.signedInAs}</span>{' '}
      <form method="post" action={`${nav.signOutAction}?lang=${l}`} class="inline">
        <CsrfField token={nav.csrf} />
        <button type="submit">{t(l, 'staff.sign_out')}</button>
      </form>
    </nav>
  );
}

/** A flash message (role="status"). */
export function Flash(props: { message: string | undefined }) {
  return props.message === undefined ? null : (
    <p class="ok" role="status">
      {props.message}
    </p>
  );
}

/** The error summary of a page (role="alert"). */
export function ErrorSummary(props: { message: string | undefined; id?: string }) {
  return props.message === undefined ? null : (
    <p class="alert" role="alert" id={props.id}>
      {props.message}
    </p>
  );
}

/**
 * The staff page frame: document, title, navigation, then the module's own sub-navigation,
 * the flash message and the error summary, then the page.
 */
export function StaffPage(props: {
  frame: StaffFrame;
  title: string;
  /** This page's path (the language switch links to it). */
  path: string;
  /** A module's own navigation under the bar (e.g. the vetting queue / watchlists links). */
  subnav?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const f = props.frame;
  return (
    <StaffLayout
      locale={f.locale}
      title={props.title}
      path={props.path}
      nav={f.nav === undefined ? undefined : <StaffNavBar locale={f.locale} nav={f.nav} />}
    >
      {props.subnav}
      <Flash message={f.flash} />
      <ErrorSummary message={f.error} />
      {props.children}
    </StaffLayout>
  );
}
