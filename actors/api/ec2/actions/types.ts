/** What every EC2 action is given, and what it returns: the body of its XML response. */
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../compute/context.ts';
import type { ComputeDeps } from '../../compute/deps.ts';
import type { Ec2Params } from '../params.ts';
import type { XmlValue } from '../xml.ts';

export interface Ec2Context {
  deps: ComputeDeps;
  /** The HTTP request, authenticated (authOf/callerOf work on it), so the compute helpers serve EC2 too. */
  request: FastifyRequest;
  params: Ec2Params;
  caller: Caller;
  /** Region name (DescribeRegions) and the endpoint URL clients reach the EC2 API at. */
  region: string;
  endpoint: string;
}

export type Ec2ResponseBody = { [key: string]: XmlValue };
export type Ec2Action = (c: Ec2Context) => Promise<Ec2ResponseBody>;
