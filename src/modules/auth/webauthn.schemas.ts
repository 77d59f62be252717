import { z } from 'zod';

/** base64url as browsers send it (no padding), bounded. */
const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/);

/** A key's name, as its holder types it. */
export const keyNameSchema = z
  .string({ error: 'field.required' })
  .trim()
  .min(1, { error: 'field.required' })
  .max(60, { error: 'field.too_long' });

const credentialBase = {
  id: b64url(1400).min(16),
  rawId: b64url(1400).min(16),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional().default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

/** What the page's script posts after `navigator.credentials.create`. */
export const registrationInputSchema = z.object({
  name: keyNameSchema,
  response: z
    .object({
      ...credentialBase,
      response: z.object({
        clientDataJSON: b64url(4096).min(1),
        attestationObject: b64url(16384).min(1),
        transports: z.array(z.string().max(32)).max(8).optional(),
      }),
    })
    .refine((r) => r.id === r.rawId),
});

/** What the page's script posts after `navigator.credentials.get`. */
export const signInInputSchema = z.object({
  response: z
    .object({
      ...credentialBase,
      response: z.object({
        clientDataJSON: b64url(4096).min(1),
        authenticatorData: b64url(4096).min(1),
        signature: b64url(2048).min(1),
        userHandle: b64url(128).optional(),
      }),
    })
    .refine((r) => r.id === r.rawId),
});
