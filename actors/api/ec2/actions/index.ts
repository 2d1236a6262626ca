/** The EC2 actions served, by name (a Map: an unknown Action is InvalidAction, never a prototype key). */
import { describeImages, describeInstanceTypes } from './images.ts';
import { getConsoleOutput, rebootInstances, startInstances, stopInstances, terminateInstances } from './instance-ops.ts';
import { describeInstances, describeInstanceStatus, runInstances } from './instances.ts';
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair } from './keypairs.ts';
import { describeAvailabilityZones, describeRegions } from './regions.ts';
import { createTags, deleteTags, describeTags } from './tags.ts';
import type { Ec2Action } from './types.ts';

export const EC2_ACTIONS: ReadonlyMap<string, Ec2Action> = new Map([
  ['DescribeRegions', describeRegions],
  ['DescribeAvailabilityZones', describeAvailabilityZones],
  ['DescribeImages', describeImages],
  ['DescribeInstanceTypes', describeInstanceTypes],
  ['RunInstances', runInstances],
  ['DescribeInstances', describeInstances],
  ['DescribeInstanceStatus', describeInstanceStatus],
  ['TerminateInstances', terminateInstances],
  ['StopInstances', stopInstances],
  ['StartInstances', startInstances],
  ['RebootInstances', rebootInstances],
  ['GetConsoleOutput', getConsoleOutput],
  ['CreateKeyPair', createKeyPair],
  ['ImportKeyPair', importKeyPair],
  ['DescribeKeyPairs', describeKeyPairs],
  ['DeleteKeyPair', deleteKeyPair],
  ['CreateTags', createTags],
  ['DescribeTags', describeTags],
  ['DeleteTags', deleteTags],
]);

export type { Ec2Action, Ec2Context, Ec2ResponseBody } from './types.ts';
