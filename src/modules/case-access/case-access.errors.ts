import { AppError } from '../../platform/errors.ts';

export function invalid(fields: Record<string, string>): AppError {
  return new AppError('validation_failed', 'invalid input', { fields });
}

// ---------------------------------------------------------------------------------------------
// Break-glass
