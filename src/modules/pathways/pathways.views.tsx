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

/** The body of a full option: risks first, then what it needs, then its sources. */
function OptionBody({
  option,
  m,
  staff,
}: {
  option: PathwayOption;
  m: PathwaysMessages;
  staff: boolean;
}): VNode {
  return (
    <>
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
      {/* Research notes (what our sources leave open, how good they are) are for the staff who
          advise; the applicant sees the confidence level below, in one word. */}
      {staff && option.uncertain.length > 0 ? (
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
    </>
  );
}

function OptionTitle({
  option,
  m,
  level = 3,
}: {
  option: PathwayOption;
  m: PathwaysMessages;
  level?: 3 | 4;
}): VNode {
  const Heading = level === 3 ? 'h3' : 'h4';
  return (
    <Heading>
      {option.title}{' '}
      <small>
        ({option.countryName}, {m.kind[option.kind]})
      </small>
    </Heading>
  );
}

/** Staff see every open option in full, unfolded. */
function OptionCard({ option, m }: { option: PathwayOption; m: PathwaysMessages }): VNode {
  return (
    <article class={`pathway risk-${option.risk.level}`} id={`pathway-${option.id}`}>
      <OptionTitle option={option} m={m} />
      <OptionBody option={option} m={m} staff />
    </article>
  );
}

/**
 * Applicants see each full option folded under its title and risk (a <details>, which needs no
 * JavaScript): the summary at the top of the page says which to read first, and a long page of
 * steps and sources no longer buries the warnings.
 */
function FoldedOption({ option, m }: { option: PathwayOption; m: PathwaysMessages }): VNode {
  return (
    <details class={`pathway risk-${option.risk.level}`} id={`pathway-${option.id}`}>
      <summary>
        <OptionTitle option={option} m={m} />
      </summary>
      <OptionBody option={option} m={m} staff={false} />
    </details>
  );
}

/** The top of the applicant page: the options to read first, each with its main risk. */
function ReadFirst({ options, m }: { options: PathwayOption[]; m: PathwaysMessages }): VNode {
  return (
    <ol class="read-first">
      {options.map((o) => (
        <li key={o.id}>
          <a href={`#pathway-${o.id}`}>{o.title}</a> ({o.countryName}).{' '}
          <strong>{m.risk[o.risk.level]}</strong>
          {o.risk.reasons[0] === undefined ? null : `: ${o.risk.reasons[0].text}`}
        </li>
      ))}
    </ol>
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
      {/* Under the "other open options" heading, so one level down. */}
      <OptionTitle option={option} m={m} level={4} />
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
  const full = staff ? viable : viable.slice(0, fullOptions);
  const brief = staff ? [] : viable.slice(fullOptions);
  const warningList =
    warnings.length > 0 ? (
      <ul class="warnings">
        {warnings.map((w) => (
          <li key={w.id} class={`warning-${w.level}`}>
            <strong>{m.warningLevel[w.level]}:</strong> {w.text}
          </li>
        ))}
      </ul>
    ) : null;
  const notViableList = (
    <ul>
      {staff
        ? notViable.map((o) => <StaffNotViableItem key={o.id} option={o} m={m} />)
        : groupByFirstReason(notViable).map((group) => <NotViableItem key={group[0]?.id} options={group} />)}
    </ul>
  );
  const body = staff ? (
    <>
      <h2 id="pathways-result-h">{m.heading}</h2>
      <p class="notice" role="note">
        <strong>{m.notLegalAdvice}</strong>
      </p>
      {warningList === null ? null : (
        <section class="warnings">
          <h2>{m.warningsHeading}</h2>
          {warningList}
        </section>
      )}
      <section class="viable">
        <h2>{m.staffViableHeading}</h2>
        {viable.length === 0 ? <p>{m.staffNoneViable}</p> : null}
        {full.map((o) => (
          <OptionCard key={o.id} option={o} m={m} />
        ))}
      </section>
      <section class="not-viable">
        <h2>{m.staffNotViableHeading}</h2>
        {notViableList}
      </section>
    </>
  ) : (
    <>
      <h1>{m.heading}</h1>
      <p class="notice" role="note">
        <strong>{m.notLegalAdvice}</strong>
      </p>
      {/* The summary: the warnings and the two or three options to read first. Everything else
          is folded below under headings that say what it is. */}
      <section class="warnings">
        <h2>{m.warningsHeading}</h2>
        {warningList}
        {viable.length === 0 ? (
          <p>{m.noneViable}</p>
        ) : (
          <>
            <h3>{m.readFirstOptions}</h3>
            <ReadFirst options={full} m={m} />
          </>
        )}
      </section>
      {viable.length === 0 ? null : (
        <section class="viable">
          <h2>{m.viableHeading}</h2>
          <p class="hint">{m.detailsHint}</p>
          {full.map((o) => (
            <FoldedOption key={o.id} option={o} m={m} />
          ))}
          {brief.length === 0 ? null : (
            <details class="more">
              <summary>
                <h3>{m.moreOptionsHeading}</h3>
              </summary>
              {brief.map((o) => (
                <BriefCard key={o.id} option={o} m={m} />
              ))}
            </details>
          )}
        </section>
      )}
      {notViable.length === 0 ? null : (
        <details class="not-viable">
          <summary>
            <h2>{m.notViableHeading}</h2>
          </summary>
          {notViableList}
        </details>
      )}
    </>
  );
  const footer = (
    <footer>
      <p>
        {m.contentVersion}: <code>{result.contentVersion.slice(0, 12)}</code>
      </p>
    </footer>
  );
  return staff ? (
    <section class="pathways" lang={locale} aria-labelledby="pathways-result-h">
      {body}
      {footer}
    </section>
  ) : (
    <main class="pathways" lang={locale}>
      {body}
      {footer}
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
