import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { LOCALES, type Locale, t } from './i18n/index.ts';

/**
 * Server-side HTML. Views are preact components rendered to strings: every text and
 * attribute value is escaped by the renderer, and `dangerouslySetInnerHTML` is banned
 * by the linter. No client framework; no inline script or style (the CSP forbids them).
 */
export function renderDocument(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}

/**
 * `path` if it is a path on this site, else "/". A path that starts with "//" or a backslash
 * is another site to a browser ("//evil.example/x", "/\\evil.example"), and so is one with a
 * scheme; whitespace and control characters are never part of a link we build.
 */
export function sameSitePath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  return /^\/(?![/\\])[^\\\s\u0000-\u001f\u007f]*$/.test(path) ? path : '/';
}

/** Adds or replaces `lang` in a same-origin path, for the language switcher. */
export function withLang(path: string, locale: Locale): string {
  const [base = '/', query = ''] = sameSitePath(path).split('?');
  const params = new URLSearchParams(query);
  params.set('lang', locale);
  return `${base}?${params.toString()}`;
}

export function LanguageSwitch(props: { locale: Locale; path: string }) {
  return (
    <nav class="langs" aria-label={t(props.locale, 'layout.language')}>
      {LOCALES.map((l) =>
        l === props.locale ? (
          <strong lang={l} key={l}>
            {t(l, 'lang.name')}
          </strong>
        ) : (
          <a lang={l} hreflang={l} href={withLang(props.path, l)} key={l}>
            {t(l, 'lang.name')}
          </a>
        ),
      )}
    </nav>
  );
}

export interface StaffLayoutProps {
  locale: Locale;
  title: string;
  path: string;
  nav?: ComponentChildren;
  children: ComponentChildren;
}

export function StaffLayout(props: StaffLayoutProps) {
  return (
    <html lang={props.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · ${t(props.locale, 'app.name')}`}</title>
        <link rel="stylesheet" href="/assets/staff.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          {t(props.locale, 'layout.skip')}
        </a>
        <header class="top">
          <strong>{t(props.locale, 'staff.title')}</strong>
          {props.nav}
          <LanguageSwitch locale={props.locale} path={props.path} />
        </header>
        <main id="main" tabindex={-1}>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** Hidden CSRF field for every state-changing staff form. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}
