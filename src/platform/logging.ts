import pino, { type Logger } from 'pino';

/**
 * The logging policy. Logs hold no IP addresses, no user agents, no request or response
 * bodies, no query strings and no cookies: Fastify's own request logging is off, and
 * the one request line we write names the route pattern (`/staff/enrol/:token`), never
 * the concrete URL (which may carry a token). `redact` is a second net for anything
 * passed by mistake.
 */
export const REDACTED_PATHS = [
  'req',
  'res',
  'headers',
  'ip',
  'ips',
  'remoteAddress',
  'userAgent',
  'body',
  'query',
  'cookies',
  '*.headers',
  '*.ip',
  '*.remoteAddress',
  '*.userAgent',
  '*.body',
  '*.password',
  '*.email',
  '*.token',
  '*.share',
  '*.codename',
  'password',
  'email',
  'token',
  'share',
  'codename',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: null,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        err: (err: Error & { code?: string }) => ({
          type: err.name,
          code: err.code,
          message: err.message,
          stack: err.stack,
        }),
      },
    },
    destination,
  );
}
