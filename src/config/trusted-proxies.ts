import { isIP } from 'node:net';
import { commaList } from './comma-list.ts';

/**
 * `SANCTUARY_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` is believed
 * (ADR 0089). A comma-separated list of IPv4/IPv6 addresses and CIDR ranges, e.g.
 * `127.0.0.1,::1` or `10.0.0.0/8`. Returns the entries, or the problem with the first bad one.
 */
export function parseTrustedProxies(raw: string | undefined): { list: string[] } | { problem: string } {
  const list: string[] = [];
  for (const entry of commaList(raw)) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) >= 0 && Number(prefix) <= bits);
    if (family === 0 || rest.length > 0 || !prefixOk) {
      return {
        problem: `SANCTUARY_TRUSTED_PROXIES has "${entry}", which is not an IP address or CIDR range; list the addresses your reverse proxy connects from, e.g. 127.0.0.1,::1 or 10.0.0.0/8`,
      };
    }
    list.push(entry);
  }
  return { list };
}
