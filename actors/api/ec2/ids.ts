/**
 * EC2 ids for OpenStack uuids: `i-` and `ami-` followed by 17 hex digits of a sha256 of the uuid
 * (EC2's long id format). A pure function, so the same server has the same id in every process and
 * after every restart; the way back is a lookup among the caller's servers or the visible images.
 */
import { createHash } from 'node:crypto';

function digest(kind: string, uuid: string): string {
  return createHash('sha256').update(`${kind}:${uuid}`).digest('hex').slice(0, 17);
}

export const ec2InstanceId = (uuid: string): string => `i-${digest('instance', uuid)}`;
export const ec2ImageId = (uuid: string): string => `ami-${digest('image', uuid)}`;

export const isEc2InstanceId = (s: string): boolean => /^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s);
export const isEc2ImageId = (s: string): boolean => /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s);
