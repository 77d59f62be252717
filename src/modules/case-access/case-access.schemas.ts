import { z } from 'zod';

const text = (max: number) => z.string().trim().max(max);

export const caseRefSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^C-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
export const uuidSchema = z.uuid();
export const breakGlassFormSchema = z.object({
  ref: caseRefSchema,
  reason: text(500).min(10),
});

export const reviewFormSchema = z.object({ note: text(500).default('') });

export const teamFormSchema = z.object({
  name: text(100).min(2),
  triage: z
    .literal('on')
    .optional()
    .transform((v) => v === 'on'),
  // A need-to-know team (ADR 0158): its cases are invisible outside it.
  restricted: z
    .literal('on')
    .optional()
    .transform((v) => v === 'on'),
});
export const teamMemberFormSchema = z.object({ staffId: uuidSchema });

export const settingsFormSchema = z.object({
  fourEyesNotGenuine: z
    .literal('on')
    .optional()
    .transform((v) => v === 'on'),
});
