/** @peculiar/x509 with Node's WebCrypto as its provider (reflect-metadata, which its tsyringe wants, loaded first). */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** Node's WebCrypto (the same object as node:crypto's webcrypto), typed as the Web Crypto API it is. */
const webcrypto = globalThis.crypto;
x509.cryptoProvider.set(webcrypto);

export { x509, webcrypto };
