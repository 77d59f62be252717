/**
 * Server-rendered view of a pathways result. Pure: no client JavaScript, no external resources,
 * plain language, risks before everything else, and the "information, not legal advice" notice
 * at the top. All text goes through JSX, so content and profile strings are always escaped.
 */
import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { PathwayOption, PathwaysResult } from './engine.ts';
import { type PathwaysMessages, pathwaysMessages } from './pathways.messages.ts';
import type { Locale } from './pathways.schemas.ts';

function List({ items }: { items: string[] }): VNode | null {
  if (items.length === 0) return null;
  return (
    <ul>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

function Section({ title, children }: { title: string; children: ComponentChildren }): VNode {
  return (
    <section>
      <h4>{title}</h4>
      {children}
    </section>
  );
}

function OptionCard({
  option,
  m,
  staff = false,
}: {
  option: PathwayOption;
  m: PathwaysMessages;
  staff?: boolean;
}): VNode {
  return (
    <article class={`pathway risk-${option.risk.level}`} id={`pathway-${option.id}`}>
      <h3>
        {option.title}{' '}
        <small>
          ({option.countryName}, {m.kind[option.kind]})
        </small>
      </h3>
      {/* Risks come first: they are what a person must weigh before anything else. */}
      <p class="risk">
        <strong>{m.risk[option.risk.level]}</strong>
      </p>
      <p class="rank">
        <small>
          {option.rank.position}. {option.rank.text}
        </small>
      </p>
      <Section title={m.riskLabel}>
        <List items={option.risk.reasons.map((r) => `${m.risk[r.level]}: ${r.text}`)} />
      </Section>
      {option.viable.value ? null : (
        <Section title={m.whyNot}>
          <List items={option.viable.reasons.map((r) => r.text)} />
        </Section>
      )}
      <p>{option.summary}</p>
      <dl>
        <dt>{m.entryDocuments}</dt>
        <dd>{option.entry.documents}</dd>
        <dt>{m.entryStay}</dt>
        <dd>{option.entry.stay}</dd>
        <dt>{m.entryVisa}</dt>
        <dd>{option.entry.visa}</dd>
      </dl>
      {option.viable.value ? (
        <Section title={m.steps}>
          <ol>
            {option.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
        </Section>
      ) : null}
      <Section title={m.documentsNeeded}>
        <List items={option.documentsNeeded} />
      </Section>
      {option.costs.length > 0 ? (
        <Section title={m.costs}>
          <List items={option.costs} />
        </Section>
      ) : null}
      {option.uncertain.length > 0 ? (
        <Section title={m.uncertain}>
          <List items={option.uncertain} />
        </Section>
      ) : null}
      <Section title={m.sources}>
        <SourceList sources={option.sources} m={m} staff={staff} />
      </Section>
      <p class="meta">
        {m.reviewed}: {option.reviewed}. {m.confidence}: {m.confidenceLevel[option.confidence]}.
      </p>
    </article>
  );
}

function SourceList({
  sources,
  m,
  staff,
}: {
  sources: PathwayOption['sources'];
  m: PathwaysMessages;
  staff: boolean;
}): VNode {
  return (
    <ul class="sources">
      {sources.map((s) =>
        // Applicants get publisher and date only: full titles would push their page past its
        // 30 KB budget. Staff get the title too. rel=noreferrer: a visit must not tell the source
        // site where it came from.
        staff ? (
          <li key={s.id}>
            <a href={s.url} rel="noreferrer noopener">
              {s.title}
            </a>{' '}
            — {s.publisher} ({m.accessed} {s.accessed})
          </li>
        ) : (
          <li key={s.id}>
            <a href={s.url} rel="noreferrer noopener">
              {s.publisher}
            </a>{' '}
            ({m.accessed} {s.accessed})
          </li>
        ),
      )}
    </ul>
  );
}

/** A closed option for staff: why it is closed, what it rests on, and how fresh that is. */
function StaffNotViableItem({ option, m }: { option: PathwayOption; m: PathwaysMessages }): VNode {
  return (
    <li id={`pathway-${option.id}`} class="not-viable">
      <strong>{option.title}</strong>{' '}
      <small>
        ({option.countryName}, {m.kind[option.kind]}; {m.risk[option.risk.level]})
      </small>
      <ul>
        {option.viable.reasons.map((r) => (
          <li key={r.ruleId}>{r.text}</li>
        ))}
      </ul>
      <SourceList sources={option.sources} m={m} staff />
      <p class="meta">
        {m.reviewed}: {option.reviewed}. {m.confidence}: {m.confidenceLevel[option.confidence]}.
      </p>
    </li>
  );
}

/**
 * A closed option in brief: what it is and the most decisive reason it is closed ("do not go"
 * first, then the journey, then the option's own rules; the engine orders them). The applicant
 * page must stay under 30 KB for Tor Browser users, so closed routes give one reason and do not
 * repeat their steps and sources; staff pages and the CLI list every reason.
 */
function NotViableItem({ options }: { options: PathwayOption[] }): VNode {
  const [only] = options;
  const reason = only?.viable.reasons[0]?.text;
  if (options.length === 1 && only !== undefined) {
    return (
      <li id={`pathway-${only.id}`}>
        <strong>{only.title}</strong>: {reason}
      </li>
    );
  }
  // Several routes closed for the same reason (a soldier at the front: every route through
  // Russia) share one line, so the reason is said once. Each title is a bare <b> carrying its
  // anchor (no wrapper): this line is the longest part of the worst-case page (30 KB budget).
  return (
    <li>
      {options.map((o, i) => [
        i > 0 ? ', ' : '',
        <b key={o.id} id={`pathway-${o.id}`}>
          {o.title}
        </b>,
      ])}
      : {reason}
    </li>
  );
}

/** Closed options grouped by their first reason, in ranking order of each group's first member. */
function groupByFirstReason(options: PathwayOption[]): PathwayOption[][] {
  const groups = new Map<string, PathwayOption[]>();
  for (const o of options) {
    const key = o.viable.reasons[0]?.text ?? o.id;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [o]);
    else group.push(o);
  }
  return [...groups.values()];
}

/**
 * A further open option in brief: its main risk and how fresh its facts are. No summary: the
 * applicant page must stay under 30 KB as the content grows (the full cards above carry it).
 */
function BriefCard({ option, m }: { option: PathwayOption; m: PathwaysMessages }): VNode {
  return (
    <article class={`pathway brief risk-${option.risk.level}`} id={`pathway-${option.id}`}>
      <h3>
        {option.title}{' '}
        <small>
          ({option.countryName}, {m.kind[option.kind]})
        </small>
      </h3>
      <p class="risk">
        <strong>{m.risk[option.risk.level]}:</strong> {option.risk.reasons[0]?.text}
      </p>
      <p class="meta">
        {m.reviewed}: {option.reviewed}. {m.confidence}: {m.confidenceLevel[option.confidence]}.
      </p>
    </article>
  );
}

export interface PathwaysViewOptions {
  /**
   * How many open options to show in full (risks, steps, documents, sources); the rest are shown
   * in brief. Keeps the applicant page within its 30 KB budget. Default 3; staff views may pass
   * Infinity.
   */
  fullOptions?: number;
}

/** The result page body for one locale. */
export function PathwaysResultView({
  result,
  locale,
  fullOptions = 3,
  variant = 'applicant',
}: {
  result: PathwaysResult;
  locale: Locale;
  fullOptions?: number;
  /**
   * "staff": embedded in a staff page (a section under the page's own main and h1), every open
   * option in full, closed options with their sources and review dates, source titles shown.
   */
  variant?: 'applicant' | 'staff';
}): VNode {
  const m = pathwaysMessages[locale];
  const staff = variant === 'staff';
  const viable = result.options.filter((o) => o.viable.value);
  const notViable = result.options.filter((o) => !o.viable.value);
  const warnings = result.warnings.filter((w) => w.id !== 'not-legal-advice');
  const body = (
    <>
      {staff ? <h2 id="pathways-result-h">{m.heading}</h2> : <h1>{m.heading}</h1>}
      <p class="notice" role="note">
        <strong>{m.notLegalAdvice}</strong>
      </p>
      {warnings.length > 0 ? (
        <section class="warnings">
          <h2>{m.warningsHeading}</h2>
          <ul>
            {warnings.map((w) => (
              <li key={w.id} class={`warning-${w.level}`}>
                <strong>{m.warningLevel[w.level]}:</strong> {w.text}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section class="viable">
        <h2>{staff ? m.staffViableHeading : m.viableHeading}</h2>
        {viable.length === 0 ? <p>{staff ? m.staffNoneViable : m.noneViable}</p> : null}
        {viable.map((o, i) =>
          staff || i < fullOptions ? (
            <OptionCard key={o.id} option={o} m={m} staff={staff} />
          ) : (
            <BriefCard key={o.id} option={o} m={m} />
          ),
        )}
      </section>
      <section class="not-viable">
        <h2>{staff ? m.staffNotViableHeading : m.notViableHeading}</h2>
        <ul>
          {staff
            ? notViable.map((o) => <StaffNotViableItem key={o.id} option={o} m={m} />)
            : groupByFirstReason(notViable).map((group) => (
                <NotViableItem key={group[0]?.id} options={group} />
              ))}
        </ul>
      </section>
      <footer>
        <p>
          {m.contentVersion}: <code>{result.contentVersion.slice(0, 12)}</code>
        </p>
      </footer>
    </>
  );
  return staff ? (
    <section class="pathways" lang={locale} aria-labelledby="pathways-result-h">
      {body}
    </section>
  ) : (
    <main class="pathways" lang={locale}>
      {body}
    </main>
  );
}

/** Renders the result to an HTML fragment (no document shell; the route wraps it in the layout). */
export function renderPathwaysResult(
  result: PathwaysResult,
  locale: Locale,
  { fullOptions = 3 }: PathwaysViewOptions = {},
): string {
  return render(<PathwaysResultView result={result} locale={locale} fullOptions={fullOptions} />);
}
