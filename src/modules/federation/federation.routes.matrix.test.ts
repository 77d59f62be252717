import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/support/app.ts';
import { CLI } from '../../../test/support/federation.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { federationIdentity, generateRootKey, Keyring } from '../../crypto/index.ts';
import { addPeer } from './federation.service.ts';

/**
 * The authorisation matrix of /staff/federation: every route × every role and no session ×
 * {an existing peer, a missing one}. Administrators only; everyone else 404 (401 without a
 * session), and the database unchanged. Adding, verifying and revoking each get a fresh peer.
 */
type Scope = 'existing' | 'missing';
interface Fixture {
  peerId: string;
  fingerprint: string;
  card: string;
}
type RouteSpec = MatrixRoute<Fixture, Scope>;

const admin = (role: MatrixRole) => role === 'admin';
const page: RouteSpec = { allowed: admin, allowedStatuses: [200] };
const onPeer = (extra: Partial<RouteSpec>): RouteSpec => ({
  allowed: (role, scope) => admin(role) && scope === 'existing',
  allowedStatuses: [303],
  fresh: true,
  ...extra,
});

/** The identity card of a server that does not exist (its own keys). */
async function newCard(): Promise<{ card: string; fingerprint: string }> {
  const id = await federationIdentity(Keyring.withNewDerivationKey(generateRootKey()));
  const card = {
    sanctuaryFederation: 1,
    endpoint: 'https://peer.example.org/api/v1/referrals',
    signingKey: id.signingKey,
    encryptionKey: id.encryptionKey,
    fingerprint: id.fingerprint,
  };
  return { card: JSON.stringify(card), fingerprint: id.fingerprint };
}

async function fixture(t: TestApp, scope: Scope): Promise<Fixture> {
  const peer = await newCard();
  const added = await newCard();
  if (scope === 'missing') return { peerId: randomUUID(), fingerprint: peer.fingerprint, card: added.card };
  const { id } = await addPeer(t.ctx, CLI, { label: 'Peer', card: peer.card });
  return { peerId: id, fingerprint: peer.fingerprint, card: added.card };
}

const matrix = describeMatrix<Fixture, Scope>(
  {
    title: 'authorisation matrix of /staff/federation',
    served: (t) => routesUnder(t, ['/staff/federation']),
    routes: {
      'GET /staff/federation': page,
      'GET /staff/federation/peers': page,
      'GET /staff/federation/packets': page,
      'POST /staff/federation/peers': {
        allowed: admin,
        allowedStatuses: [303],
        fresh: true,
        body: (f) => ({ label: 'Another organisation', card: f.card }),
      },
      'POST /staff/federation/peers/:id/verify': onPeer({ body: (f) => ({ fingerprint: f.fingerprint }) }),
      'POST /staff/federation/peers/:id/revoke': onPeer({}),
    },
    scopes: ['existing', 'missing'],
    roles: [...STAFF_ROLES, 'anonymous'],
    fixture: ({ t, scope }) => fixture(t, scope),
    url: (path, f) => path.replace(':id', f.peerId),
  },
  (c) => `${c.route} as ${c.role} on ${c.scope} peer`,
);

describe('the federation pages', () => {
  it('are linked for administrators only, and show the fingerprint, its QR code and the card in every language', async () => {
    for (const role of STAFF_ROLES) {
      const home = await matrix.current.sessions.get(role)!.client.get('/staff?lang=en');
      expect(home.body.includes('href="/staff/federation?lang=en"'), role).toBe(role === 'admin');
    }
    const client = matrix.current.sessions.get('admin')!.client;
    const own = await federationIdentity(matrix.current.t.ctx.vault.requireKeyring());
    for (const lang of ['ru', 'uk', 'en']) {
      const page = await client.get(`/staff/federation?lang=${lang}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`data-fingerprint="${own.fingerprint}"`);
      expect(page.body).toMatch(/<svg [^>]*role="img" aria-label="[^"]+"[^>]*>.*<path d="M\d/s);
      expect(page.body).toContain(own.signingKey);
    }
  });

  it('refuses to verify a peer with a fingerprint that does not match its keys, and changes nothing', async () => {
    const t = matrix.current.t;
    const session = matrix.current.sessions.get('admin')!;
    const peer = await newCard();
    const { id } = await addPeer(t.ctx, CLI, { label: 'Swapped card', card: peer.card });
    const other = await newCard();
    const res = await session.client.post(`/staff/federation/peers/${id}/verify?lang=en`, {
      _csrf: session.csrf,
      fingerprint: other.fingerprint,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('does not match');
    const row = await t.ctx.database.db
      .selectFrom('federation_peers')
      .select('state')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('unverified');
  });

  it('refuses a card whose stated fingerprint is not its keys’ and shows the error at the field', async () => {
    const session = matrix.current.sessions.get('admin')!;
    const peer = JSON.parse((await newCard()).card) as Record<string, string>;
    const res = await session.client.post('/staff/federation/peers?lang=uk', {
      _csrf: session.csrf,
      label: 'Forged',
      card: JSON.stringify({ ...peer, fingerprint: (await newCard()).fingerprint }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('aria-invalid="true"');
    expect(res.body).toContain('id="card-error"');
  });
});
