/**
 * nova-cert: the deployment's x509 CA. It issues the certificates of mutual TLS between cells,
 * compute hosts and brokers (the CN is the bus principal), users' certificates for Nova's
 * os-certificates API, and the CRL brokers check. authority.ts signs; store.ts keeps it on disk.
 */
export { CertificateAuthority, CertificateError, dnValue } from './authority.ts';
export type { CertUsage, IssueRequest, IssuedCertificate, KeyType, Revocation } from './authority.ts';
export { CaStore, caPaths, certFiles, checkCertName, type CaPaths, type IssuedRecord } from './store.ts';
export { revokedSerials } from './crl.ts';
export { pkiLockHeld, withPkiLock, type LockOptions } from './lock.ts';
export { CaNotFound, CertificateService, type UserCertificate } from './service.ts';
