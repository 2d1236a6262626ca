/**
 * How a proxy asks whether a token is good: hash it here (the clear token never travels the tree),
 * ask the cells for the connection details with the port validated by the guest's compute host, and
 * insist the token was issued for this proxy's console type.
 */
import { randomBytes } from 'node:crypto';
import { hashConsoleToken, newConsoleToken, type ConnectInfo, type ConsoleType } from '../console-auth-token.ts';

export type ConsoleTokenCheck = (token: string, type: ConsoleType) => Promise<ConnectInfo | null>;

export interface ConsoleTokenValidator {
  validateConsoleToken(tokenHash: string, checkPort: boolean, reqId: string): Promise<ConnectInfo | null>;
}

export function tokenCheckOver(v: ConsoleTokenValidator): ConsoleTokenCheck {
  return async (token, type) => {
    const info = await v.validateConsoleToken(hashConsoleToken(token), true, `req-${newConsoleToken(randomBytes(16))}`);
    return info && info.consoleType === type ? info : null;
  };
}
