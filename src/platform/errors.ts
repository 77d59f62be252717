/**
 * The one application error. Every code has exactly one HTTP status and one
 * translated message key (see src/platform/i18n). Services and policies throw
 * AppError; repositories never do (they return rows or undefined).
 */
export const ERROR_CODES = {
  bad_request: { status: 400, message: 'error.bad_request' },
  validation_failed: { status: 400, message: 'error.validation_failed' },
  payload_too_large: { status: 413, message: 'error.payload_too_large' },
  unsupported_media_type: { status: 415, message: 'error.unsupported_media_type' },
  unauthenticated: { status: 401, message: 'error.unauthenticated' },
  invalid_credentials: { status: 401, message: 'error.invalid_credentials' },
  csrf_failed: { status: 403, message: 'error.csrf_failed' },
  forbidden: { status: 403, message: 'error.forbidden' },
  not_found: { status: 404, message: 'error.not_found' },
  conflict: { status: 409, message: 'error.conflict' },
  idempotency_conflict: { status: 409, message: 'error.idempotency_conflict' },
  ledger_limit: { status: 409, message: 'error.ledger_limit' },
  enrolment_invalid: { status: 410, message: 'error.enrolment_invalid' },
  rate_limited: { status: 429, message: 'error.rate_limited' },
  sealed: { status: 503, message: 'error.sealed' },
  overloaded: { status: 503, message: 'error.overloaded' },
  unavailable: { status: 503, message: 'error.unavailable' },
  internal: { status: 500, message: 'error.internal' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  cause?: unknown;
  /** Seconds for a Retry-After header (429 and 503). */
  retryAfter?: number;
  /** Field-level problems, already safe to show (field name -> message key). */
  fields?: Record<string, string>;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly fields: Record<string, string> | undefined;

  /** `detail` is for the log only (no personal data); users see the translated message. */
  constructor(code: ErrorCode, detail?: string, options: AppErrorOptions = {}) {
    // An expected refusal (4xx, 503) needs no stack: nobody reads it, and capturing one is
    // most of what refusing costs under a flood. Only "internal" keeps its stack for the log.
    const stackTraceLimit = Error.stackTraceLimit;
    if (ERROR_CODES[code].status !== 500) Error.stackTraceLimit = 0;
    super(detail ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryAfter = options.retryAfter;
    this.fields = options.fields;
  }

  get messageKey(): string {
    return ERROR_CODES[this.code].message;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
