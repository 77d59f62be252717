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

function OptionCard({ option, m }: { option: PathwayOption; m: PathwaysMessages }): VNode {
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
        <ul>
          {option.sources.map((s) => (
            // Publisher and date only: full titles would push the applicant page past its 30 KB budget.
            // rel=noreferrer: the applicant's visit must not tell the source site where it came from.
            <li key={s.id}>
              <a href={s.url} rel="noreferrer noopener">
                {s.publisher}
              </a>{' '}
              ({m.accessed} {s.accessed})
            </li>
          ))}
        </ul>
      </Section>
      <p class="meta">
        {m.reviewed}: {option.reviewed}. {m.confidence}: {m.confidenceLevel[option.confidence]}.
      </p>
    </article>
  );
}

/**
 * A closed option in brief: what it is and why it is closed. The applicant page must stay under
 * 30 KB for Tor Browser users, so closed routes do not repeat their steps and sources.
 */
function NotViableItem({ option }: { option: PathwayOption }): VNode {
  return (
    <li id={`pathway-${option.id}`}>
      <strong>{option.title}</strong>: {option.viable.reasons.map((r) => r.text).join(' ')}
    </li>
  );
}

/** A further open option in brief: its risks first, then what it is. */
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
      <p>{option.summary}</p>
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
}: {
  result: PathwaysResult;
  locale: Locale;
  fullOptions?: number;
}): VNode {
  const m = pathwaysMessages[locale];
  const viable = result.options.filter((o) => o.viable.value);
  const notViable = result.options.filter((o) => !o.viable.value);
  const warnings = result.warnings.filter((w) => w.id !== 'not-legal-advice');
  return (
    <main class="pathways" lang={locale}>
      <h1>{m.heading}</h1>
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
        <h2>{m.viableHeading}</h2>
        {viable.length === 0 ? <p>{m.noneViable}</p> : null}
        {viable.map((o, i) =>
          i < fullOptions ? (
            <OptionCard key={o.id} option={o} m={m} />
          ) : (
            <BriefCard key={o.id} option={o} m={m} />
          ),
        )}
      </section>
      <section class="not-viable">
        <h2>{m.notViableHeading}</h2>
        <ul>
          {notViable.map((o) => (
            <NotViableItem key={o.id} option={o} />
          ))}
        </ul>
      </section>
      <footer>
        <p>
          {m.contentVersion}: <code>{result.contentVersion.slice(0, 12)}</code>
        </p>
      </footer>
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
