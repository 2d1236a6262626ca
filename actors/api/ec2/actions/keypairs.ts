/**
 * CreateKeyPair (generated here, the private key returned once), ImportKeyPair (an OpenSSH public
 * key, base64 as EC2 sends it), DescribeKeyPairs and DeleteKeyPair, over the same keypairs (per user,
 * quota key_pairs) the compute API's os-keypairs serves.
 */
import { createHash } from 'node:crypto';
import type { Keypair } from '../../db/index.ts';
import { sshPublicKeyFingerprint } from '../../compute/keygen.ts';
import { checkCount } from '../../compute/quota-usage.ts';
import { Ec2Error, fromComputeError, invalidParameter } from '../errors.ts';
import { applyFilters, filterTable } from '../params.ts';
import { ec2Time } from '../xml.ts';
import type { Ec2Action, Ec2Context } from './types.ts';

const NAME = /^[\x20-\x7e]{1,255}$/;

export const keyPairId = (k: Keypair): string => `key-${createHash('sha256').update(`${k.userId}/${k.name}`).digest('hex').slice(0, 17)}`;

function checkNew(c: Ec2Context, name: string): void {
  if (!NAME.test(name)) throw invalidParameter(`Invalid key name '${name}'`);
  if (c.deps.store.keypairs.get(c.caller.userId, name)) throw new Ec2Error('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);
  try {
    checkCount(c.deps.store.quotas.limits(c.caller.projectId), 'key_pairs', c.deps.store.keypairs.count(c.caller.userId), 1);
  } catch (e) {
    throw new Ec2Error('ResourceLimitExceeded', (e as Error).message);
  }
}

export const createKeyPair: Ec2Action = async (c) => {
  const name = c.params.required('KeyName');
  const type = c.params.get('KeyType') ?? 'rsa';
  if (type !== 'rsa') throw invalidParameter(`Unsupported KeyType '${type}': only rsa keys are generated here`);
  const format = c.params.get('KeyFormat') ?? 'pem';
  if (format !== 'pem') throw invalidParameter(`Unsupported KeyFormat '${format}'`);
  checkNew(c, name);
  const g = await c.deps.keygen.generate('ssh', c.caller.userId, c.deps.clock.now());
  checkNew(c, name);
  const k = await c.deps.store.keypairs.create({ userId: c.caller.userId, name, type: 'ssh', publicKey: g.publicKey, fingerprint: g.fingerprint, createdAt: c.deps.clock.now() });
  return { keyName: k.name, keyFingerprint: k.fingerprint, keyMaterial: g.privateKey, keyPairId: keyPairId(k) };
};

export const importKeyPair: Ec2Action = async (c) => {
  const name = c.params.required('KeyName');
  const material = c.params.required('PublicKeyMaterial');
  checkNew(c, name);
  const line = Buffer.from(material, 'base64').toString('utf8').trim();
  let fingerprint: string;
  try {
    fingerprint = sshPublicKeyFingerprint(line);
  } catch (e) {
    throw new Ec2Error('InvalidKey.Format', `Key is not in valid OpenSSH public key format (${fromComputeError(e).message})`);
  }
  const k = await c.deps.store.keypairs.create({ userId: c.caller.userId, name, type: 'ssh', publicKey: line, fingerprint, createdAt: c.deps.clock.now() });
  return { keyName: k.name, keyFingerprint: k.fingerprint, keyPairId: keyPairId(k) };
};

export const describeKeyPairs: Ec2Action = async (c) => {
  let keys = c.deps.store.keypairs.ofUser(c.caller.userId);
  const names = c.params.list('KeyName');
  for (const n of names) if (!keys.some((k) => k.name === n)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`);
  const ids = c.params.list('KeyPairId');
  for (const id of ids) if (!keys.some((k) => keyPairId(k) === id)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${id}' does not exist`);
  if (names.length > 0) keys = keys.filter((k) => names.includes(k.name));
  if (ids.length > 0) keys = keys.filter((k) => ids.includes(keyPairId(k)));
  keys = applyFilters(keys, c.params.filters(), filterTable(new Map([
    ['key-name', (k: Keypair) => [k.name]],
    ['fingerprint', (k: Keypair) => [k.fingerprint]],
    ['key-pair-id', (k: Keypair) => [keyPairId(k)]],
  ])));
  return {
    keySet: keys.map((k) => ({ keyPairId: keyPairId(k), keyName: k.name, keyFingerprint: k.fingerprint, keyType: 'rsa', createTime: ec2Time(k.createdAt) })),
  };
};

export const deleteKeyPair: Ec2Action = async (c) => {
  const name = c.params.get('KeyName');
  const id = c.params.get('KeyPairId');
  if (name === undefined && id === undefined) throw new Ec2Error('MissingParameter', 'The request must contain the parameter KeyName or KeyPairId');
  const k = c.deps.store.keypairs.ofUser(c.caller.userId).find((x) => (name !== undefined ? x.name === name : keyPairId(x) === id));
  // EC2 answers true for a key that is already gone.
  if (k) await c.deps.store.keypairs.delete(k);
  return { return: true, ...(k ? { keyPairId: keyPairId(k) } : {}) };
};
