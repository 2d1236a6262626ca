/**
 * Broker passwords derived from one deployment secret: HMAC-SHA256(secret, broker cell + username).
 * A cell process that holds the secret can check any principal's password on its broker, and give a
 * compute host just its own password (which opens no other broker and no other host's topics).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function brokerPassword(secret: string, brokerCell: string, username: string): string {
  return createHmac('sha256', secret).update(`novacell-mqtt\u0000${brokerCell}\u0000${username}`).digest('base64url');
}

/** A constant-time check of `password` against the derived one. */
export function passwordVerifier(secret: string, brokerCell: string): (username: string, password: string | undefined) => boolean {
  return (username, password) => {
    if (password === undefined) return false;
    const want = Buffer.from(brokerPassword(secret, brokerCell, username));
    const got = Buffer.from(password);
    return got.length === want.length && timingSafeEqual(got, want);
  };
}
