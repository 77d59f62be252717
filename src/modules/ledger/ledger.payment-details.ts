import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import type { PaymentDetailsKind } from '../../db/types.ts';

/**
 * Payment details (card number, wallet address, IBAN, courier hand-over code) and the other
 * personal texts of a disbursement, sealed under the case's data key and bound to their row
 * and column (issue 15 item 4, ADR 0121). Only ciphertext reaches the database; the ledger's
 * plaintext columns name the case by its pseudonymous recipient account only.
 */
export interface PaymentDetails {
  kind: PaymentDetailsKind;
  value: string;
}

type SealedColumn =
  | { table: 'ledger_disbursements'; column: 'payment_details' }
  | { table: 'ledger_reward_claims'; column: 'description' }
  | { table: 'ledger_authenticity_signals'; column: 'description' };

export function sealText(key: DataKey, where: SealedColumn, rowId: string, text: string): Buffer {
  return encryptField(key, text, { ...where, rowId });
}

export function openText(key: DataKey, where: SealedColumn, rowId: string, blob: Uint8Array): string {
  return decryptFieldText(key, Buffer.from(blob), { ...where, rowId });
}

const DETAILS = { table: 'ledger_disbursements', column: 'payment_details' } as const;

export function sealPaymentDetails(key: DataKey, rowId: string, details: PaymentDetails): Buffer {
  return sealText(key, DETAILS, rowId, details.value);
}

export function openPaymentDetails(
  key: DataKey,
  rowId: string,
  kind: PaymentDetailsKind,
  blob: Uint8Array,
): PaymentDetails {
  return { kind, value: openText(key, DETAILS, rowId, blob) };
}
