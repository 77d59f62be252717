import type { CliActor } from '../../src/access/index.ts';
import type { AppContext } from '../../src/context.ts';
import { getIdentityCard } from '../../src/modules/federation/index.ts';
import { addPeer, verifyPeer } from '../../src/modules/federation/federation.service.ts';

/** The CLI on the server: the actor of set-up steps in federation tests. */
export const CLI: CliActor = { kind: 'cli', id: 'cli' };

/**
 * Makes `a` a peer of `b` the way two administrators do: `b` pastes `a`'s identity card and
 * types the fingerprint `a`'s administrator read out. Returns the peer's id on `b`.
 */
export async function addVerifiedPeer(b: AppContext, a: AppContext, label = 'Peer'): Promise<string> {
  const card = await getIdentityCard(a, CLI);
  const { id } = await addPeer(b, CLI, { label, card: JSON.stringify(card) });
  await verifyPeer(b, CLI, id, { fingerprint: card.fingerprint });
  return id;
}
