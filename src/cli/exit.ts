/**
 * Exit codes of every `sanctuary` command (ADR 0147). sysexits(3) for the kinds of failure,
 * plus 2 for "the check ran and found a problem" (`audit verify`, `ledger verify`: DESIGN.md §4).
 * Light on purpose: the dispatcher imports it before any command is loaded.
 */
export const EXIT = {
  ok: 0,
  /** Refused: a verification found a problem (audit chain, ledger), or the state forbids the action. */
  refused: 2,
  /** Bad usage: an unknown command or option, a missing or malformed argument. */
  usage: 64,
  /** The input data is wrong (a bad file, a bad share, a refused value). */
  data: 65,
  /** An input (file, data directory) does not exist or cannot be read. */
  noInput: 66,
  /** A service is unavailable: no running server, the server is sealed, the data directory is in use. */
  unavailable: 69,
  /** An internal error (a bug): reported in one line, never with a stack trace. */
  software: 70,
  /** An output cannot be created. */
  cantCreate: 73,
  /** Reading or writing failed. */
  io: 74,
  /** Busy or temporarily failing: try again later. */
  tempFail: 75,
  /** Not allowed (file permissions). */
  noPerm: 77,
  /** Bad configuration (environment variables). */
  config: 78,
} as const;

/** Writes `sanctuary: message` (or `sanctuary <prefix>: message`) on stderr; returns `code`. */
export function fail(message: string, code: number = EXIT.software, prefix = ''): number {
  process.stderr.write(`sanctuary${prefix === '' ? '' : ` ${prefix}`}: ${message}\n`);
  return code;
}

/** The exit code for an operating-system error (ENOENT, EACCES, EPIPE…). */
export function exitForErrno(code: string | undefined): number {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return EXIT.noInput;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return EXIT.noPerm;
    case 'EEXIST':
      return EXIT.cantCreate;
    case 'EAGAIN':
    case 'EBUSY':
    case 'ETIMEDOUT':
      return EXIT.tempFail;
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
      return EXIT.unavailable;
    default:
      return EXIT.io;
  }
}
