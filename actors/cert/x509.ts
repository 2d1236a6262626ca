/** @peculiar/x509 with Node's WebCrypto as its provider (reflect-metadata, which its tsyringe wants, loaded first). */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509, webcrypto };
