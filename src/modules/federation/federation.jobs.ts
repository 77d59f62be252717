import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { type JobHandler, PermanentJobError } from '../jobs/index.ts';
import { DeliveryRefused, deliverPacket, JOB_DELIVER, type PacketTransport } from './federation.service.ts';

/**
 * `federation.deliver`: posts one queued outgoing packet to its peer and records the signed
 * receipt. Retried with the runner's back-off (5 s … 1 h, up to 60 attempts) while the peer is
 * unreachable, busy, sealed or has not verified us yet; a refusal that retrying cannot change
 * marks the packet failed. Needs no keys: the packet was sealed when it was queued.
 */
export function federationJobHandlers(ctx: AppContext, transport?: PacketTransport): JobHandler<unknown>[] {
  const deliver: JobHandler<{ packetId: string }> = {
    kind: JOB_DELIVER,
    needsKeys: false,
    parse: (payload) => z.object({ packetId: z.uuid() }).strict().parse(payload),
    run: async ({ packetId }) => {
      try {
        await deliverPacket(ctx, packetId, transport);
      } catch (error) {
        if (error instanceof DeliveryRefused) throw new PermanentJobError(error.message);
        throw error;
      }
    },
  };
  return [deliver as JobHandler<unknown>];
}
