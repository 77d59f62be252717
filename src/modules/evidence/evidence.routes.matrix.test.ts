import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { jpegWithRealExif } from '../../../test/support/evidence.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { newCaseRef } from '../cases/index.ts';
import { addAttachment, intakeRuntimeOf } from '../intake/index.ts';

/**
 * The authorisation matrix of the evidence pages (/staff/evidence): every route × every role
 * and no session × a case on the member's own team, another team's case, a missing one. Case
 * readers on the team and the team's evidence officer see a case's evidence and an item's
 * custody; the public key is for evidence officers. Everyone else 404 (401 without a
 * session), the database unchanged.
 */
type Scope = 'own' | 'other' | 'missing';
interface Fixture {
  ref: string;
  itemId: string;
}
const HANDLERS: readonly MatrixRole[] = ['caseworker', 'lawyer', 'coordinator', 'evidence_officer'];
const onOwnCase = (role: MatrixRole, scope: Scope) => scope === 'own' && HANDLERS.includes(role);
const fixtures = new Map<Scope, Fixture>();

const matrix = describeMatrix<Fixture, Scope>({
  title: 'authorisation matrix of /staff/evidence',
  served: (t) => routesUnder(t, ['/staff/evidence']),
  routes: {
    'GET /staff/evidence/cases/:ref': { allowed: onOwnCase },
    'GET /staff/evidence/items/:id': { allowed: onOwnCase },
    'GET /staff/evidence/key': { allowed: (role) => role === 'evidence_officer' },
  },
  scopes: ['own', 'other', 'missing'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200],
  // One case on a team of every signed-in member, one on a team of nobody: built once.
  async setup(t, sessions) {
    const members = [...sessions.values()].flatMap((s) => (s.staff === null ? [] : [s.staff.id]));
    for (const [scope, team] of [
      ['own', await buildTeam(t.ctx, { members })],
      ['other', await buildTeam(t.ctx)],
    ] as const) {
      const kase = await buildCase(t.ctx, { teamId: team });
      await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
        data: jpegWithRealExif(),
        fileName: 'p.jpg',
        keepOriginal: true,
      });
      const item = await t.ctx.database.db
        .selectFrom('evidence_items')
        .select('id')
        .where('case_id', '=', kase.id)
        .executeTakeFirstOrThrow();
      fixtures.set(scope, { ref: kase.ref, itemId: item.id });
    }
    fixtures.set('missing', { ref: newCaseRef(), itemId: randomUUID() });
  },
  fixture: async ({ scope }) => fixtures.get(scope)!,
  url: (path, f) => path.replace(':ref', f.ref).replace(':id', f.itemId),
});

describe('evidence on the case page', () => {
  it('shows the arrival hash of the item and its custody to a case reader', async () => {
    const client = matrix.current.sessions.get('evidence_officer')!.client;
    const page = await client.get(`/staff/evidence/cases/${fixtures.get('own')!.ref}?lang=ru`);
    expect(page.body).toContain('SHA-256 при поступлении');
    expect(page.body).toMatch(/<code>[0-9a-f]{64}<\/code>/);
    const custody = await client.get(`/staff/evidence/items/${fixtures.get('own')!.itemId}?lang=uk`);
    expect(custody.body).toContain('отримано');
    const key = await client.get('/staff/evidence/key');
    expect(key.body).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});
