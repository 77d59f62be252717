import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProfile, loadTestKnowledgeBase, testToday } from '../../../test/support/pathways-fixtures.ts';
import type { KnowledgeBase } from './content-loader.ts';
import { evaluatePathways, type PathwaysResult } from './engine.ts';
import { pathwaysMessages } from './pathways.messages.ts';
import { applicantTypes, documentKinds, locales } from './pathways.schemas.ts';
import { render } from 'preact-render-to-string';
import { PathwaysResultView, renderPathwaysResult } from './pathways.views.tsx';

describe('pathways result view', () => {
  let kb: KnowledgeBase;
  let result: PathwaysResult;
  beforeAll(async () => {
    kb = await loadTestKnowledgeBase();
    result = evaluatePathways(
      buildProfile({
        applicantType: 'deserter',
        location: 'AM',
        documents: ['internal_passport'],
        hasLeftUnit: true,
      }),
      kb,
      { today: testToday },
    );
  });

  it.each(locales)('renders in %s with the not-legal-advice notice first', (locale) => {
    const html = renderPathwaysResult(result, locale);
    const m = pathwaysMessages[locale];
    expect(html).toContain(m.notLegalAdvice);
    expect(html.indexOf(m.notLegalAdvice)).toBeLessThan(html.indexOf(m.viableHeading));
    expect(html).toContain(`lang="${locale}"`);
  });

  it('shows warnings before options and each option’s risk before its steps', () => {
    const html = renderPathwaysResult(result, 'en');
    expect(html.indexOf('Read this first')).toBeLessThan(html.indexOf('Open to you'));
    const card = html.slice(html.indexOf('id="pathway-am-stay"'));
    expect(card.indexOf('High risk')).toBeGreaterThanOrEqual(0);
    expect(card.indexOf('High risk')).toBeLessThan(card.indexOf('<h4>Steps</h4>'));
  });

  it('explains why an option is not open', () => {
    const html = renderPathwaysResult(result, 'en');
    expect(html.indexOf('Not open to you now')).toBeLessThan(html.indexOf('id="pathway-ge-stay"'));
    const item = html.slice(html.indexOf('id="pathway-ge-stay"'));
    expect(item.slice(0, item.indexOf('</li>'))).toContain('valid foreign passport');
  });

  it('needs no JavaScript and loads nothing external', () => {
    const html = renderPathwaysResult(result, 'ru');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\son[a-z]+=/i);
    expect(html).toContain('rel="noreferrer noopener"');
  });

  it('escapes hostile text from content', () => {
    const hostile: PathwaysResult = {
      ...result,
      options: result.options.map((o, i) => (i === 0 ? { ...o, title: '<script>alert(1)</script>' } : o)),
      warnings: [{ id: 'x', level: 'danger', text: '"><img src=x onerror=alert(1)>', sources: [] }],
    };
    const html = renderPathwaysResult(hostile, 'en');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script>');
  });

  it('stays within the applicant page budget (30 KB) for any profile, in every locale', () => {
    const profileArb = fc.record({
      applicantType: fc.constantFrom(...applicantTypes),
      location: fc.constantFrom(
        'RU',
        'AM',
        'KZ',
        'KG',
        'GE',
        'RS',
        'UZ',
        'MN',
        'AE',
        'DE',
        'UA',
        'TR',
        'US',
        'front',
        'BY',
      ),
      summonsPosted: fc.boolean(),
      documents: fc.subarray([...documentKinds]),
      lawOfReturnEligible: fc.boolean(),
      hasLeftUnit: fc.boolean(),
      onWantedList: fc.boolean(),
    });
    fc.assert(
      fc.property(profileArb, fc.constantFrom(...locales), (p, locale) => {
        const r = evaluatePathways(
          buildProfile({ ...p, foreignPassportValidUntil: '2031-01-01', language: locale }),
          kb,
          { today: testToday },
        );
        // Leave room for the page layout around the fragment (about 1.5 KB; the whole page for the
        // worst case is checked in intake/pathways.routes.test.ts).
        expect(Buffer.byteLength(renderPathwaysResult(r, locale))).toBeLessThan(28_000);
      }),
      { numRuns: 60 },
    );
  });

  it('can show every open option in full for staff', () => {
    const full = renderPathwaysResult(result, 'en', { fullOptions: Number.POSITIVE_INFINITY });
    const brief = renderPathwaysResult(result, 'en', { fullOptions: 0 });
    expect(full.length).toBeGreaterThan(brief.length);
    expect(brief).not.toContain('<h4>Steps</h4>');
  });

  it('opens with a summary of the options to read first, and folds each option under its title and risk', () => {
    const html = renderPathwaysResult(result, 'en');
    const open = result.options.filter((o) => o.viable.value);
    expect(open.length).toBeGreaterThan(0);
    const summary = html.slice(html.indexOf('Read this first'), html.indexOf('<details'));
    // Every option shown in full is named in the summary, with a link to its folded details and its risk.
    for (const o of open.slice(0, 3)) {
      expect(summary).toContain(`href="#pathway-${o.id}"`);
      expect(html).toMatch(
        new RegExp(`<details class="pathway risk-${o.risk.level}" id="pathway-${o.id}"><summary>`),
      );
    }
    expect(summary).toContain(pathwaysMessages.en.risk[open[0]?.risk.level ?? 'high']);
    // No step, source or cost is shown before the summary has been read.
    expect(summary).not.toContain('<h4>');
    // Routes that are closed are folded too, under a heading that says what they are.
    expect(html).toMatch(/<details class="not-viable"><summary><h2>Not open to you now/);
  });

  it('keeps research notes (what our sources leave open) for staff', () => {
    const withNotes = result.options.find((o) => o.viable.value && o.uncertain.length > 0);
    expect(withNotes).toBeDefined();
    // A note without characters that HTML escapes, so it can be looked for as written.
    const note = withNotes?.uncertain.find((u) => !/["&<>]/.test(u)) ?? '';
    expect(note).not.toBe('');
    const applicant = renderPathwaysResult(result, 'en', { fullOptions: Number.POSITIVE_INFINITY });
    const staff = render(<PathwaysResultView result={result} locale="en" variant="staff" />);
    expect(applicant).not.toContain(pathwaysMessages.en.uncertain);
    expect(applicant).not.toContain(note);
    expect(staff).toContain(pathwaysMessages.en.uncertain);
    expect(staff).toContain(note);
    // Both say which version of the knowledge base the advice came from.
    const version = `<code>${result.contentVersion.slice(0, 12)}</code>`;
    expect(applicant).toContain(version);
    expect(staff).toContain(version);
  });
});
