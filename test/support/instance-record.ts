/** Test support: one instance record as a leaf cell holds it (key and user data in extra). */
import type { InstanceRecord } from '../../actors/conductor/records.ts';

export const UUID = '6d3c1f7e-5a2b-4c8d-9e0f-123456789abc';
export const KEY = 'ssh-rsa AAAAB3NzaC1yc2E test@novacell';
export const USER_DATA = '#!/bin/sh\necho MARKER\n';

export function instanceRecord(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    uuid: UUID, displayName: 'web 1', hostname: 'web-1', projectId: 'p1', userId: 'u1', vmState: 'active', taskState: null, powerState: 1,
    host: 'host-a', node: 'host-a', availabilityZone: 'az1', imageRef: 'img-1', keyName: 'k1', reservationId: 'r-0000abcd', launchIndex: 0,
    locked: false, flavor: { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
    image: { id: 'img-1', properties: {} }, metadata: { role: 'web' }, systemMetadata: {},
    extra: { keyData: KEY, userData: Buffer.from(USER_DATA).toString('base64') }, version: 1, createdAt: 0, updatedAt: null, launchedAt: 0,
    terminatedAt: null, deletedAt: null, deleted: false, ...over,
  };
}
