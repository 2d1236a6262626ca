/**
 * Keypair material, as Nova's nova/crypto.py makes it: server-side generation (an RSA key, the
 * private half returned once and never stored; or, for type x509, a self-signed certificate), and the
 * checks and fingerprints of imported public keys. Key material comes from the operating system's
 * CSPRNG on purpose: a key drawn from a seeded stream would be guessable.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { BadRequest } from '../../../runtime/errors/index.ts';

const generateRsa = promisify(generateKeyPair);

export interface GeneratedKey {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** The port the keypairs API uses, so tests can swap in something fast. */
export interface KeyGenerator {
  generate(type: 'ssh' | 'x509', subject: string, nowMs: number): Promise<GeneratedKey>;
}

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function mpint(b64url: string): Buffer {
  let b = Buffer.from(b64url, 'base64url');
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  return (b[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

/** Nova's ssh fingerprint: MD5 of the key blob, colon-separated lowercase hex. */
export function sshFingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

/** Nova's x509 fingerprint: SHA-1 of the DER certificate, colon-separated lowercase hex. */
export function x509Fingerprint(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex').match(/../g)!.join(':');
}

function readSshString(blob: Buffer, at: number): { value: Buffer; next: number } | undefined {
  if (at + 4 > blob.length) return undefined;
  const len = blob.readUInt32BE(at);
  if (len > blob.length - at - 4) return undefined;
  return { value: blob.subarray(at + 4, at + 4 + len), next: at + 4 + len };
}

const SSH_TYPES = new Set(['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

/** Check an OpenSSH public key line and return its fingerprint; 400 "Keypair data is invalid" otherwise. */
export function sshPublicKeyFingerprint(line: string): string {
  const invalid = new BadRequest('Keypair data is invalid: failed to generate fingerprint');
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || !SSH_TYPES.has(parts[0]!) || !/^[A-Za-z0-9+/]+=*$/.test(parts[1]!)) throw invalid;
  const blob = Buffer.from(parts[1]!, 'base64');
  const type = readSshString(blob, 0);
  if (!type || type.value.toString('latin1') !== parts[0]) throw invalid;
  if (parts[0] === 'ssh-rsa') {
    const e = readSshString(blob, type.next);
    const n = e && readSshString(blob, e.next);
    if (!n || n.next !== blob.length) throw invalid;
    const bits = n.value.length * 8;
    if (bits > 16384 * 8 || bits < 512) throw invalid;
    try {
      createPublicKey({ key: { kty: 'RSA', n: n.value.toString('base64url'), e: e!.value.toString('base64url') }, format: 'jwk' });
    } catch {
      throw invalid;
    }
  } else if (parts[0] === 'ssh-ed25519') {
    const k = readSshString(blob, type.next);
    if (!k || k.value.length !== 32 || k.next !== blob.length) throw invalid;
  } else {
    let at = type.next;
    while (at < blob.length) {
      const s = readSshString(blob, at);
      if (!s) throw invalid;
      at = s.next;
    }
  }
  return sshFingerprint(blob);
}

/** Check a PEM certificate (type x509) and return its fingerprint. */
export function x509PublicKeyFingerprint(pem: string): string {
  try {
    const cert = new X509Certificate(pem);
    return x509Fingerprint(cert.raw);
  } catch {
    throw new BadRequest('Keypair data is invalid: failed to generate fingerprint');
  }
}

// --- a minimal DER writer for the self-signed certificate ---

function der(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let head: Buffer;
  if (len < 0x80) head = Buffer.from([tag, len]);
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    head = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([head, content]);
}
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const NULL = Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const s = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(s, 'ascii'));
}

function name(cn: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));
}

const SHA256_RSA = seq(oid('1.2.840.113549.1.1.11'), NULL);

function selfSignedCertificate(privatePem: string, subject: string, nowMs: number, serial: Buffer): Buffer {
  const spki = createPublicKey(privatePem).export({ type: 'spki', format: 'der' });
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    SHA256_RSA,
    name(subject),
    seq(utcTime(nowMs), utcTime(nowMs + 10 * 365 * 86_400_000)),
    name(subject),
    spki,
  );
  const signature = sign('sha256', tbs, createPrivateKey(privatePem));
  return seq(tbs, SHA256_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

/**
 * The certificate's serial: 8 bytes from the key's digest, as a DER INTEGER's content must be —
 * positive (top bit clear) and minimal (a first byte of 0 is padding OpenSSL refuses), so the first
 * byte is kept in 0x40–0x7f.
 */
export function certificateSerial(privatePem: string): Buffer {
  const serial = Buffer.from(createHash('sha256').update(privatePem).digest().subarray(0, 8));
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial;
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

/** RSA-2048 keys from node's crypto, as Nova generates them. */
export class NodeKeyGenerator implements KeyGenerator {
  constructor(private readonly bits = 2048) {}

  async generate(type: 'ssh' | 'x509', subject: string, nowMs: number): Promise<GeneratedKey> {
    const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: this.bits, publicExponent: 65537 });
    const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    if (type === 'x509') {
      const serial = certificateSerial(privatePem);
      const cert = selfSignedCertificate(privatePem, subject, nowMs, serial);
      return { privateKey: privatePem, publicKey: pem('CERTIFICATE', cert), fingerprint: x509Fingerprint(cert) };
    }
    const jwk = publicKey.export({ format: 'jwk' });
    const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(mpint(jwk.e!)), sshString(mpint(jwk.n!))]);
    return {
      privateKey: privatePem,
      publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
      fingerprint: sshFingerprint(blob),
    };
  }
}
