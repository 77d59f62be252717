import { describe, expect, it } from 'vitest';
import {
  CASE_STATUSES,
  type CaseStatus,
  CLOSING_REASONS,
  decideTransition,
  TRANSITIONS,
} from './case-workflow.ts';

/** The expected graph, written out independently of TRANSITIONS so that a change to one fails here. */
const ALLOWED = new Set([
  'new>triaged',
  'new>closed',
  'triaged>in_progress',
  'triaged>waiting_applicant',
  'triaged>closed',
  'in_progress>waiting_applicant',
  'in_progress>referred',
  'in_progress>in_transit',
  'in_progress>safe',
  'in_progress>closed',
  'waiting_applicant>in_progress',
  'waiting_applicant>closed',
  'referred>in_progress',
  'referred>in_transit',
  'referred>closed',
  'in_transit>in_progress',
  'in_transit>safe',
  'in_transit>closed',
  'safe>in_progress',
  'safe>closed',
  'closed>triaged',
]);

const pairs: Array<[CaseStatus, CaseStatus]> = CASE_STATUSES.flatMap((from) =>
  CASE_STATUSES.map((to): [CaseStatus, CaseStatus] => [from, to]),
);

describe('case workflow', () => {
  it('has exactly the expected transitions', () => {
    const actual = new Set(
      Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)),
    );
    expect([...actual].sort()).toEqual([...ALLOWED].sort());
  });

  it.each(pairs)('%s -> %s is decided as the table says', (from, to) => {
    const allowed = ALLOWED.has(`${from}>${to}`);
    const decision = decideTransition({
      from,
      to,
      closingReason: to === 'closed' ? 'reached_safety' : undefined,
      reason: 'a reason given',
      fourEyesNotGenuine: true,
    });
    if (allowed) expect(decision).toEqual({ ok: true, needsApproval: false });
    else expect(decision).toEqual({ ok: false, problem: 'not_allowed' });
  });

  it('needs a closing reason to close', () => {
    for (const from of CASE_STATUSES.filter((s) => s !== 'closed')) {
      expect(decideTransition({ from, to: 'closed', fourEyesNotGenuine: false })).toEqual({
        ok: false,
        problem: 'closing_reason_required',
      });
    }
  });

  it('accepts every closing reason, and asks for approval only for "not genuine" with four-eyes on', () => {
    for (const closingReason of CLOSING_REASONS) {
      for (const fourEyesNotGenuine of [true, false]) {
        expect(
          decideTransition({ from: 'in_progress', to: 'closed', closingReason, fourEyesNotGenuine }),
        ).toEqual({
          ok: true,
          needsApproval: closingReason === 'not_genuine' && fourEyesNotGenuine,
        });
      }
    }
  });

  it('needs a reason to reopen', () => {
    expect(decideTransition({ from: 'closed', to: 'triaged', fourEyesNotGenuine: false })).toEqual({
      ok: false,
      problem: 'reason_required',
    });
    expect(
      decideTransition({ from: 'closed', to: 'triaged', reason: '  ', fourEyesNotGenuine: false }).ok,
    ).toBe(false);
    expect(
      decideTransition({ from: 'closed', to: 'triaged', reason: 'came back', fourEyesNotGenuine: false }).ok,
    ).toBe(true);
  });

  it('refuses a closing reason on a transition that does not close', () => {
    expect(
      decideTransition({ from: 'new', to: 'triaged', closingReason: 'withdrew', fourEyesNotGenuine: false }),
    ).toEqual({ ok: false, problem: 'closing_reason_unexpected' });
  });
});
