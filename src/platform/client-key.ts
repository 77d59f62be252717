import type { FastifyRequest } from 'fastify';
import { onionCircuitOf } from './onion-listener.ts';

/**
 * The in-memory rate-limit key of a client ("source"), never stored or logged (the limiters
 * HMAC it with a key that lives only in this process):
 * - the Tor circuit, for a connection through the onion-service port (ADR 0008): every Tor
 *   visitor is 127.0.0.1 otherwise, and a header a Tor user writes is never believed there;
 * - otherwise `request.ip`: the connection's own address, or, when the connection comes from a
 *   configured trusted proxy (`SANCTUARY_TRUSTED_PROXIES`), the right-most address of
 *   X-Forwarded-For that is not a trusted proxy itself (ADR 0089).
 */
export function clientKey(request: FastifyRequest): string {
  const circuit = onionCircuitOf(request.raw.socket);
  return circuit === undefined ? `ip:${request.ip}` : `onion:${circuit}`;
}
