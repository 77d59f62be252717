/**
 * The mirrorable static site (issue 20, ADR 0155): plain HTML and one stylesheet, relative links
 * only, no script, nothing loaded from elsewhere, so a copy works from `file://`, any web server,
 * an onion service or a ZIP passed by hand. Every page carries the intake addresses as links and
 * as text (a copy may be read where links are not followed).
 */
import type { VNode } from 'preact';
import { renderDocument } from '../../platform/html.tsx';
import type { Fact, Source } from '../pathways/index.ts';
import {
  bodyParts,
  guideFor,
  guideMarkdown,
  type OutreachContent,
  type SiteStrings,
} from './outreach.content.ts';

/** Where people reach the organisation; every one is optional but at least one is needed. */
export interface IntakeAddresses {
  web?: string;
  onion?: string;
  /** A Telegram bot's user name, without the @. */
  telegram?: string;
}

/** A page or file of the site: its relative path and bytes. */
export interface SiteFile {
  path: string;
  bytes: Buffer;
}

/** The largest page the site may have, as on the applicant site. */
export const MAX_PAGE_BYTES = 30 * 1024;

const STYLE = `*{box-sizing:border-box}
body{font:1rem/1.5 system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff}
a{color:#0645ad}h1{font-size:1.5rem;line-height:1.25}h2{font-size:1.2rem;margin-top:2rem}
.fact{margin:1rem 0}.meta,.note{font-size:.875rem;color:#4a4a4a}
.uncertain{border-left:4px solid #b35c00;padding-left:.75rem}
.contact{border:2px solid #1a1a1a;padding:.75rem 1rem;margin:2rem 0}
.contact code{word-break:break-all}nav ul,footer ul{padding-left:1.2rem}
sup a{text-decoration:none}
`;

function interpolate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? `{${k}}`);
}

/** The site's address of an intake channel, with the campaign or mirror code when there is one. */
export function intakeLinks(
  addresses: IntakeAddresses,
  code?: string,
): Array<{ kind: 'web' | 'onion' | 'telegram'; href: string; text: string }> {
  const links: Array<{ kind: 'web' | 'onion' | 'telegram'; href: string; text: string }> = [];
  const withCode = (base: string) => {
    const url = new URL(base);
    if (code !== undefined) url.searchParams.set('c', code);
    return url.toString();
  };
  if (addresses.web !== undefined)
    links.push({ kind: 'web', href: withCode(addresses.web), text: addresses.web });
  if (addresses.onion !== undefined)
    links.push({ kind: 'onion', href: withCode(addresses.onion), text: addresses.onion });
  if (addresses.telegram !== undefined) {
    const start = code === undefined ? '' : `?start=${code}`;
    links.push({
      kind: 'telegram',
      href: `https://t.me/${addresses.telegram}${start}`,
      text: `@${addresses.telegram}`,
    });
  }
  return links;
}

function Contact(props: { t: SiteStrings; addresses: IntakeAddresses; code?: string | undefined }) {
  const { t } = props;
  return (
    <section class="contact" aria-labelledby="contact">
      <h2 id="contact">{t.contact}</h2>
      <p>{t.contactText}</p>
      <ul>
        {intakeLinks(props.addresses, props.code).map((l) => (
          <li key={l.kind}>
            {t[l.kind]}: <a href={l.href}>{l.text}</a> (<code>{l.text}</code>)
          </li>
        ))}
      </ul>
    </section>
  );
}

function Page(props: {
  lang: string;
  title: string;
  t: SiteStrings;
  up: string;
  languages: Array<{ code: string; name: string; href: string }>;
  addresses: IntakeAddresses;
  code?: string | undefined;
  children: VNode | VNode[] | (VNode | null)[];
}) {
  const { t } = props;
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={`${props.up}style.css`} />
      </head>
      <body>
        <header>
          <p>
            <a href={`${props.up}${props.lang}/index.html`}>{t.siteTitle}</a>
          </p>
        </header>
        <main>{props.children}</main>
        <Contact t={t} addresses={props.addresses} code={props.code} />
        <footer>
          <p class="note">{t.notAdvice}</p>
          <nav aria-label={t.languages}>
            <ul>
              {props.languages.map((l) => (
                <li key={l.code}>
                  <a href={l.href} hreflang={l.code} lang={l.code}>
                    {l.name}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <h2>{t.checkCopy}</h2>
          <p class="note">{t.checkCopyText}</p>
        </footer>
      </body>
    </html>
  );
}

function localized(
  text: { ru: string; en: string; uk?: string | undefined },
  lang: string,
  fallbacks: readonly string[],
): string {
  for (const code of [lang, ...fallbacks, 'en']) {
    const value = (text as Record<string, string | undefined>)[code];
    if (value !== undefined) return value;
  }
  return text.en;
}

function FactBlock(props: {
  fact: Fact;
  lang: string;
  fallbacks: readonly string[];
  t: SiteStrings;
  sourceNumbers: Map<string, number>;
}) {
  const { fact, t } = props;
  return (
    <div class="fact">
      <p>
        {localized(fact.text, props.lang, props.fallbacks)}{' '}
        {fact.sources.map((s) => (
          <sup key={s}>
            <a href={`#src-${props.sourceNumbers.get(s)}`}>[{props.sourceNumbers.get(s)}]</a>
          </sup>
        ))}
      </p>
      {fact.uncertain === undefined ? null : (
        <p class="uncertain">
          <strong>{t.uncertain}:</strong> {localized(fact.uncertain, props.lang, props.fallbacks)}
        </p>
      )}
      <p class="meta">
        {t.reviewed} {fact.reviewed}
      </p>
    </div>
  );
}

function SourceList(props: { sources: Source[]; t: SiteStrings }) {
  return (
    <section aria-labelledby="sources">
      <h2 id="sources">{props.t.sources}</h2>
      <ol>
        {props.sources.map((s, i) => (
          <li key={s.id} id={`src-${i + 1}`}>
            {s.publisher}, <a href={s.url}>{s.title}</a>
            {s.published === undefined ? '' : ` (${s.published})`}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Builds every file of the static site, in a stable order. Pure: the same input gives the same bytes. */
export function renderSite(content: OutreachContent, addresses: IntakeAddresses, code?: string): SiteFile[] {
  const files: SiteFile[] = [{ path: 'style.css', bytes: Buffer.from(STYLE) }];
  const md = guideMarkdown();
  const first = content.languages[0]?.code ?? 'en';
  const languageLinks = (up: string, file: string) =>
    content.languages.map((l) => ({ code: l.code, name: l.name, href: `${up}${l.code}/${file}` }));
  for (const language of content.languages) {
    const lang = language.code;
    const t = content.strings.get(lang) as SiteStrings;
    const items: Array<{ slug: string; title: string; summary: string }> = [];
    for (const slug of content.slugs) {
      const found = guideFor(content, slug, lang);
      if (found === undefined) continue;
      const g = found.text;
      items.push({ slug, title: g.title, summary: g.summary });
      const sourceIds = [
        ...new Set([...g.facts.flatMap((f) => content.knowledge.facts.get(f)?.sources ?? []), ...g.sources]),
      ];
      const numbers = new Map(sourceIds.map((s, i) => [s, i + 1]));
      const sources = sourceIds
        .map((s) => content.knowledge.sources.get(s))
        .filter((s): s is Source => s !== undefined);
      const fallbackName = content.languages.find((l) => l.code === found.fallbackFrom)?.name;
      const body: VNode[] = bodyParts(g.body).map((part, i) =>
        'fact' in part ? (
          <FactBlock
            key={i}
            fact={content.knowledge.facts.get(part.fact) as Fact}
            lang={g.lang}
            fallbacks={language.fallback}
            t={t}
            sourceNumbers={numbers}
          />
        ) : (
          // biome-ignore lint/security/noDangerouslySetInnerHtml: markdown-it with raw HTML disabled escapes every text; links are allow-listed
          <div key={i} dangerouslySetInnerHTML={{ __html: md.render(part.markdown) }} />
        ),
      );
      const page = (
        <Page
          lang={lang}
          title={`${g.title} · ${t.siteTitle}`}
          t={t}
          up="../"
          languages={languageLinks('../', `${slug}.html`)}
          addresses={addresses}
          code={code}
        >
          <h1 lang={g.lang}>{g.title}</h1>
          {found.fallbackFrom === undefined ? null : (
            <p class="note">
              {interpolate(t.fallbackNote, { language: fallbackName ?? found.fallbackFrom })}
            </p>
          )}
          <p class="meta">
            {t.reviewed} {g.reviewed}
          </p>
          <div lang={g.lang}>{body}</div>
          <SourceList sources={sources} t={t} />
        </Page>
      );
      files.push({ path: `${lang}/${slug}.html`, bytes: Buffer.from(renderDocument(page)) });
    }
    const index = (
      <Page
        lang={lang}
        title={t.siteTitle}
        t={t}
        up="../"
        languages={languageLinks('../', 'index.html')}
        addresses={addresses}
        code={code}
      >
        <h1>{t.siteTitle}</h1>
        <p>{t.tagline}</p>
        <h2>{t.guides}</h2>
        <ul>
          {items.map((g) => (
            <li key={g.slug}>
              <a href={`${g.slug}.html`}>{g.title}</a>
              <br />
              <span class="note">{g.summary}</span>
            </li>
          ))}
        </ul>
      </Page>
    );
    files.push({ path: `${lang}/index.html`, bytes: Buffer.from(renderDocument(index)) });
  }
  const t0 = content.strings.get(first) as SiteStrings;
  const root = (
    <Page
      lang={first}
      title={t0.siteTitle}
      t={t0}
      up=""
      languages={languageLinks('', 'index.html')}
      addresses={addresses}
      code={code}
    >
      <h1>{t0.siteTitle}</h1>
      <ul>
        {content.languages.map((l) => (
          <li key={l.code}>
            <a href={`${l.code}/index.html`} hreflang={l.code} lang={l.code}>
              {content.strings.get(l.code)?.siteTitle} ({l.name})
            </a>
          </li>
        ))}
      </ul>
    </Page>
  );
  files.push({ path: 'index.html', bytes: Buffer.from(renderDocument(root)) });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
