import { describe, expect, it } from 'vitest';
import { renderDocument } from '../../platform/html.tsx';
import type { StalenessReport } from './pathways.service.ts';
import { StalenessPageView } from './pathways.staff-views.tsx';

/** A report as getStalenessReport builds it, with one ended fact and one falling due. */
const report: StalenessReport = {
  contentVersion: 'a'.repeat(64),
  today: '2027-01-02',
  staleAfterDays: 90,
  dueSoonDays: 30,
  pack: undefined,
  totalFacts: 2,
  facts: [
    {
      id: 'fi.pushback-law-2024',
      text: 'The Border Security Act is valid until 31 December 2026.',
      reviewed: '2026-12-06',
      ageDays: 27,
      reviewEveryDays: 30,
      expires: '2026-12-31',
      expired: true,
      confidence: 'high',
      citedBy: [{ id: 'fi-asylum', title: 'Asylum in Finland' }],
      sources: [],
    },
  ],
  dueSoon: [
    {
      id: 'us.asylum-detention',
      text: 'ICE removal flights to Moscow.',
      reviewed: '2026-12-06',
      reason: 'review',
      dueOn: '2027-01-05',
      daysLeft: 3,
      confidence: 'high',
      citedBy: [{ id: 'us-asylum', title: 'Asylum in the United States' }],
      sources: [
        {
          id: 's',
          title: 'T',
          publisher: 'The Insider',
          url: 'https://example.org/',
          accessed: '2026-12-06',
        },
      ],
    },
  ],
  options: [{ id: 'fi-asylum', title: 'Asylum in Finland', countryName: 'Finland', staleFacts: 1 }],
};

describe('the staleness report page', () => {
  it('marks a fact whose rule has ended, and lists what falls due next with the days left', () => {
    const html = renderDocument(<StalenessPageView frame={{ locale: 'en' }} report={report} />);
    expect(html).toContain('id="fact-fi.pushback-law-2024"');
    expect(html).toContain('Ended 2026-12-31: check whether the rule was renewed or lapsed.');
    expect(html).toContain('Due in the next 30 days');
    expect(html).toContain('id="due-us.asylum-detention"');
    expect(html).toContain('<time>2027-01-05</time> (in 3 days)');
    expect(html).toContain('Review interval ends (reviewed 2026-12-06)');
  });

  it('says so when nothing falls due, in Russian and Ukrainian too', () => {
    const empty = { ...report, facts: [], dueSoon: [], options: [] };
    expect(renderDocument(<StalenessPageView frame={{ locale: 'en' }} report={empty} />)).toContain(
      'Nothing falls due in the next 30 days.',
    );
    expect(renderDocument(<StalenessPageView frame={{ locale: 'ru' }} report={report} />)).toContain(
      'через 3 дня',
    );
    expect(renderDocument(<StalenessPageView frame={{ locale: 'uk' }} report={report} />)).toContain(
      'До перевірки в найближчі 30 днів',
    );
  });
});
