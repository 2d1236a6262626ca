/** Reading a CRL: the serial numbers it revokes (lower-case hex, as Node's TLS sockets report them upper-case). */
import { x509 } from './x509.ts';

export function revokedSerials(crlPem: string): Set<string> {
  const crl = new x509.X509Crl(crlPem);
  return new Set(crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, '')));
}
