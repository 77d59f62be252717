import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProfile, loadTestKnowledgeBase, testToday } from '../../../test/support/pathways-fixtures.ts';
import type { KnowledgeBase } from './content-loader.ts';
import { evaluatePathways, type PathwaysResult } from './engine.ts';
import { pathwaysMessages } from './pathways.messages.ts';
import { applicantTypes, documentKinds, locales } from './pathways.schemas.ts';
import { renderPathwaysResult } from './pathways.views.tsx';

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
});
