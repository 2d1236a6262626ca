/**
 * GuestData: what a compute host needs, beyond sizes and image, to tell a guest about itself on its
 * config drive (Nova hands the compute host the whole Instance; we send these fields): names, the
 * key pair's public key, the user data (base64, as the API took it), whether a config drive was
 * asked for, and the EC2-visible reservation fields.
 */
import { z } from 'zod';
import type { Instance } from './instance.ts';

export const guestDataSchema = z.object({
  displayName: z.string(),
  keyName: z.string().nullable(),
  keyData: z.string().nullable(),
  /** Base64, as given to POST /servers. */
  userData: z.string().nullable(),
  /** The API's config_drive: True. */
  configDrive: z.boolean(),
  availabilityZone: z.string().nullable(),
  launchIndex: z.number().int(),
  reservationId: z.string(),
  imageRef: z.string(),
});
export type GuestData = z.infer<typeof guestDataSchema>;

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function guestDataOf(i: Instance): GuestData {
  return {
    displayName: i.displayName, keyName: i.keyName, keyData: str(i.extra['keyData']), userData: str(i.extra['userData']),
    configDrive: i.extra['configDrive'] === true, availabilityZone: i.availabilityZone, launchIndex: i.launchIndex,
    reservationId: i.reservationId, imageRef: i.imageRef,
  };
}
