import { sha256 } from '../../crypto/index.ts';
import { checkAuditRecord } from '../audit/index.ts';

/**
 * The custody chain of one evidence item (ADR 0135), pure: no database, so the bundle
 * verifier runs it on a machine with nothing but the bundle.
 *
 * Event n stores hash_n = SHA-256(hash_{n-1} || canonical(n)), hash_0 = 32 zero bytes, seq
 * 1, 2, 3… without gaps, and the item's arrival SHA-256 in every event: an edit, a removed
 * or reordered event breaks the chain. Each event's hash is signed with the audit key
 * through the audit module (the same Ed25519 signing as the audit checkpoints).
 */
export const CUSTODY_GENESIS = Buffer.alloc(32);
export const CUSTODY_DOMAIN = 'evidence-custody';

/** One custody event as it is hashed and exported (hex for bytes, ISO for the time). */
export interface CustodyEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  /** The item's arrival SHA-256. */
  itemSha256: string;
  /** SHA-256 of the encrypted reason, or null: binds the reason without exporting it. */
  reasonSha256: string | null;
  prevHash: string;
  hash: string;
  publicKey: string;
  signature: string;
}

function canonical(itemId: string, e: Omit<CustodyEvent, 'hash' | 'publicKey' | 'signature'>): string {
  return JSON.stringify([itemId, e.seq, e.at, e.actor, e.action, e.itemSha256, e.reasonSha256, e.prevHash]);
}

export function hashCustodyEvent(
  itemId: string,
  prevHash: Buffer,
  e: Omit<CustodyEvent, 'hash' | 'publicKey' | 'signature' | 'prevHash'>,
): Buffer {
  return sha256(
    Buffer.concat([
      prevHash,
      Buffer.from(canonical(itemId, { ...e, prevHash: prevHash.toString('hex') }), 'utf8'),
    ]),
  );
}

/** What the signature covers: the item, the event's place in the chain and its hash. */
export function custodySignedParts(itemId: string, seq: number, hashHex: string): [string, number, string] {
  return [itemId, seq, hashHex];
}

/**
 * Checks a whole chain from arrival: starts with "received", every link, every item hash,
 * every signature (by a pinned audit key when fingerprints are given). Returns each problem
 * found, in order, naming the event.
 */
export function checkCustodyChain(
  itemId: string,
  arrivalSha256: string,
  events: readonly CustodyEvent[],
  trustedFingerprints: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  if (events.length === 0) return [`item ${itemId}: its custody record is empty`];
  if (events[0]!.action !== 'received')
    problems.push(`item ${itemId}: custody does not start with "received"`);
  let prev = CUSTODY_GENESIS;
  events.forEach((e, i) => {
    const where = `item ${itemId}, custody event ${i + 1}`;
    if (e.seq !== i + 1)
      problems.push(`${where}: has sequence number ${e.seq} (events removed or reordered)`);
    if (e.prevHash !== prev.toString('hex'))
      problems.push(`${where}: does not link to the event before it (reordered, removed or altered)`);
    const computed = hashCustodyEvent(itemId, prev, e);
    if (computed.toString('hex') !== e.hash) problems.push(`${where}: was altered (its hash does not match)`);
    if (e.itemSha256 !== arrivalSha256)
      problems.push(`${where}: names another item hash than the arrival hash`);
    const bad = checkAuditRecord(
      e,
      CUSTODY_DOMAIN,
      custodySignedParts(itemId, e.seq, e.hash),
      trustedFingerprints,
    );
    if (bad !== undefined) problems.push(`${where}: ${bad}`);
    prev = Buffer.from(e.hash, 'hex');
  });
  return problems;
}
