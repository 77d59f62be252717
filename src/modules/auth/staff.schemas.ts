import { z } from 'zod';
import { STAFF_ROLES } from '../../access/index.ts';

/** Emails are compared in this form everywhere (blind index, duplicates, sign-in). */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export const emailSchema = z
  .string({ error: 'field.email' })
  .max(254, { error: 'field.too_long' })
  .transform(normaliseEmail)
  .pipe(z.email({ error: 'field.email' }));

export const createStaffSchema = z.object({
  email: emailSchema,
  role: z.enum(STAFF_ROLES, { error: 'field.invalid' }),
});

export const signInSchema = z.object({
  email: z.string({ error: 'field.required' }).max(254, { error: 'field.too_long' }),
  password: z.string({ error: 'field.required' }).max(1024, { error: 'field.too_long' }),
  totp: z.string({ error: 'field.totp' }).trim().max(16, { error: 'field.totp' }),
});

export const enrolSchema = z
  .object({
    password: z
      .string({ error: 'field.required' })
      .min(12, { error: 'field.password_weak' })
      .max(256, { error: 'field.too_long' }),
    passwordRepeat: z.string({ error: 'field.required' }).max(256, { error: 'field.too_long' }),
    totp: z
      .string({ error: 'field.totp' })
      .trim()
      .regex(/^\d{6}$/, { error: 'field.totp' }),
  })
  .refine((v) => v.password === v.passwordRepeat, {
    path: ['passwordRepeat'],
    error: 'field.password_mismatch',
  });

/** Enrolment and session tokens are 43 base64url characters; anything else is refused early. */
export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const staffIdSchema = z.uuid();
