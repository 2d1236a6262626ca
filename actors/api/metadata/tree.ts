/**
 * Paths of the metadata trees as a guest asks for them (nova/api/metadata/base.py lookup): the version
 * lists at each root, EC2's directory listings (a "/" after directories, public-keys as "0=name"),
 * the OpenStack files per version, with Nova's content types. Also every file of both trees at
 * "latest", which is what the config drive holds.
 */
import { EC2_VERSIONS, NETWORK_DATA_SINCE, OPENSTACK_VERSIONS, VENDOR_DATA2_SINCE, type Ec2Tree, type InstanceMetadata } from './content.ts';

export interface MetadataAnswer {
  body: string | Buffer;
  contentType: string;
}

const TEXT = 'text/plain; charset=UTF-8';
const JSON_TYPE = 'application/json';
const BINARY = 'application/octet-stream';

const text = (body: string): MetadataAnswer => ({ body, contentType: TEXT });
const json = (v: unknown): MetadataAnswer => ({ body: JSON.stringify(v), contentType: JSON_TYPE });

function listing(dir: Ec2Tree): string {
  return Object.entries(dir).map(([k, v]) => (typeof v === 'string' ? k : k.includes('=') ? k : `${k}/`)).join('\n');
}

/** Walk the EC2 tree; public-keys/0 also answers for "0=name". */
function ec2Lookup(tree: Ec2Tree, parts: string[]): MetadataAnswer | undefined {
  let node: string | Ec2Tree = tree;
  for (const p of parts) {
    if (typeof node === 'string') return undefined;
    const dir: Ec2Tree = node;
    const key = Object.hasOwn(dir, p) ? p : Object.keys(dir).find((k) => k.split('=')[0] === p);
    if (key === undefined) return undefined;
    node = dir[key]!;
  }
  return text(typeof node === 'string' ? node : listing(node));
}

/** A version a guest may name: one of ours, "latest", or (as Nova allows) any later date. */
function resolveVersion(versions: string[], v: string): string | undefined {
  if (v === 'latest') return versions.at(-1);
  if (versions.includes(v)) return v;
  return undefined;
}

function openstackFiles(md: InstanceMetadata, version: string, password: string | undefined): Map<string, MetadataAnswer> {
  const files = new Map<string, MetadataAnswer>([
    ['meta_data.json', json(md.metaDataJson)],
    ['password', text(password ?? '')],
    ['vendor_data.json', json(md.vendorData)],
  ]);
  if (version >= NETWORK_DATA_SINCE) files.set('network_data.json', json(md.networkData));
  if (version >= VENDOR_DATA2_SINCE) files.set('vendor_data2.json', json({}));
  if (md.userData) files.set('user_data', { body: md.userData, contentType: BINARY });
  return files;
}

/** Answer a GET for `path` (leading slash, no query), or undefined for 404. */
export function lookupMetadata(md: InstanceMetadata, path: string, password?: string): MetadataAnswer | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return text([...EC2_VERSIONS, 'latest'].join('\n'));
  if (parts[0] === 'openstack') {
    if (parts.length === 1) return text([...OPENSTACK_VERSIONS, 'latest'].join('\n'));
    const version = resolveVersion(OPENSTACK_VERSIONS, parts[1]!);
    if (!version) return undefined;
    const files = openstackFiles(md, version, password);
    if (parts.length === 2) return text([...files.keys()].join('\n'));
    if (parts.length === 3) return files.get(parts[2]!);
    return undefined;
  }
  const version = resolveVersion(EC2_VERSIONS, parts[0]!);
  if (!version) return undefined;
  if (parts.length === 1) return text(md.userData ? 'meta-data/\nuser-data' : 'meta-data/');
  if (parts[1] === 'user-data' && parts.length === 2) return md.userData ? { body: md.userData, contentType: BINARY } : undefined;
  if (parts[1] === 'meta-data') return ec2Lookup(md.ec2, parts.slice(2));
  return undefined;
}

/** Every file a config drive holds: openstack/<each version>/… and ec2/<each version>/meta-data.json, as Nova writes it. */
export function configDriveFiles(md: InstanceMetadata): Map<string, string | Buffer> {
  const out = new Map<string, string | Buffer>();
  for (const v of [...OPENSTACK_VERSIONS, 'latest']) {
    for (const [name, a] of openstackFiles(md, v === 'latest' ? OPENSTACK_VERSIONS.at(-1)! : v, undefined)) {
      if (name === 'password') continue;
      out.set(`openstack/${v}/${name}`, a.body);
    }
  }
  for (const v of [...EC2_VERSIONS.slice(-1), 'latest']) {
    out.set(`ec2/${v}/meta-data.json`, JSON.stringify(md.ec2));
    if (md.userData) out.set(`ec2/${v}/user-data`, md.userData);
  }
  return out;
}
