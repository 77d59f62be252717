import { z } from 'zod';

/** Input schemas of the vetting pages. Every field is bounded; errors name a message key. */
export const SIGNAL_KINDS = ['duplicate', 'shared_phone', 'codenames', 'watchlist'] as const;
export const DECISIONS = ['same', 'different', 'more_info'] as const;

export const signalIdSchema = z.uuid();

export const queueQuerySchema = z.object({
  status: z.enum(['open', 'decided', 'all']).catch('open'),
  kind: z.enum(SIGNAL_KINDS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type VettingQueueQuery = z.infer<typeof queueQuerySchema>;

export const decisionFormSchema = z.object({
  version: z.coerce.number().int().min(1).max(2_000_000_000),
  decision: z.enum(DECISIONS, 'vetting.field.decision'),
  reason: z.string().trim().min(10, 'vetting.field.reason').max(2000, 'field.too_long'),
});

export const watchlistFormSchema = z.object({
  label: z.string().trim().min(1, 'field.required').max(100, 'field.too_long'),
  /** Where the list comes from, as declared by the importer (provenance; stored encrypted). */
  source: z.string().trim().min(3, 'vetting.watchlist.error_source').max(200, 'field.too_long'),
  /** The linkage secret shared with the partner (hex or base64); only for encodings files. */
  secret: z.string().trim().max(200, 'field.too_long').default(''),
});

/** A linkage secret as hex or base64, at least 32 bytes; undefined when it is neither. */
export function parseLinkageSecret(text: string): Buffer | undefined {
  const t = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+=*$/.test(t)) bytes = Buffer.from(t, 'base64');
  return bytes !== undefined && bytes.length >= 32 ? bytes : undefined;
}
