/**
 * The Amazon EC2 Query API (2016-11-15) beside the OpenStack one: SigV4 against Keystone EC2
 * credentials, EC2's XML and errors, and the instance, image, key pair and tag actions mapped onto
 * the compute API's data and the ComputeAPI facade.
 */
export { mountEc2, DEFAULT_EC2_PREFIX } from './plugin.ts';
export type { Ec2Options } from './plugin.ts';
export { EC2_ACTIONS } from './actions/index.ts';
export { ec2ImageId, ec2InstanceId } from './ids.ts';
export { verifySigV4, canonicalRequest, stringToSign, signature, SignatureError } from './sigv4.ts';
export { Ec2Error } from './errors.ts';
