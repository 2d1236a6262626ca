/**
 * Dashboard sessions over identity (Keystone v3): the login form's user, password and project are
 * authenticated by the identity service; the token goes into an HttpOnly, SameSite=Strict cookie
 * scoped to /dashboard, and every request and websocket re-validates it (expiry and revocation
 * included). The dashboard shows the whole cloud, so it needs the admin role (Nova's admin APIs).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { AuthContext, IdentityService } from '../../actors/api/identity/index.ts';

export const COOKIE = 'novacell_dashboard';

export function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export async function sessionOf(identity: IdentityService, req: FastifyRequest | IncomingMessage): Promise<AuthContext | undefined> {
  const token = cookieToken(req.headers.cookie);
  if (!token) return undefined;
  try {
    const ctx = await identity.validateToken(token);
    return ctx.isAdmin ? ctx : undefined;
  } catch {
    return undefined;
  }
}

export function setSessionCookie(reply: FastifyReply, token: string | null, secure: boolean): void {
  const attrs = ['Path=/dashboard', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  reply.header('set-cookie', token === null ? `${COOKIE}=; Max-Age=0; ${attrs.join('; ')}` : `${COOKIE}=${encodeURIComponent(token)}; ${attrs.join('; ')}`);
}

const field = z.string().min(1).max(255);
/** The login form's JSON body: user name, password and project, each 1 to 255 characters. */
export const loginBody = z.object({ username: field, password: field, project: field });
