/**
 * IdentityService: Keystone v3's authentication core. It issues tokens for password (and token
 * re-scoping) authentication, validates them for the other REST surfaces (the Authenticator), revokes
 * them, and renders the token body exactly as Keystone does, so issuing and validating a token give
 * the same body.
 */
import type { Clock } from '../../../runtime/clock/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import { parseAuthRequest, type AuthRequest, type DomainSelector } from './auth-request.ts';
import { DEFAULT_REGION, renderCatalog, resolveCatalog, type CatalogService, type CatalogSource } from './catalog.ts';
import { asEc2, ec2CredentialId, InMemoryCredentialStore, type CredentialStore, type Ec2Credential } from './credentials.ts';
import { IdentityDirectory, roleIdFor, type Domain, type User } from './directory.ts';
import { KeystoneUnauthorized, TokenNotFound } from './errors.ts';
import { UNMATCHABLE_HASH, verifyPassword } from './passwords.ts';
import { LoginThrottle } from './login-throttle.ts';
import { InMemoryTokenRevocations, type TokenRevocations } from './revocations.ts';
import { keystoneTime, TokenProvider, type IssuedToken, type TokenPayload, type TokenScope } from './tokens.ts';
import type { AuthContext, Authenticator, IdentityData } from './types.ts';

export interface IdentityServiceOptions {
  data: IdentityData;
  catalog: CatalogSource;
  /** Region of catalog endpoints that name none (default RegionOne). */
  regionName?: string;
  /** HMAC key for tokens (at least 16 characters). */
  tokenSecret: string | Uint8Array;
  clock: Clock;
  /** Audit ids of tokens are drawn from it. */
  rng: RandomStream;
  revocations?: TokenRevocations;
  /** Keystone's `[token] expiration` (default 3600). */
  tokenExpirationSeconds?: number;
  /** The role that makes a caller an administrator (default "admin"). */
  adminRole?: string;
  /** The identity endpoint as clients reach it (http://host/identity); else taken from each request. */
  publicUrl?: string;
  /** Keystone's `[security_compliance] lockout_failure_attempts` (default 5; 0 is no limit). */
  lockoutFailureAttempts?: number;
  /** Keystone's `[security_compliance] lockout_duration` in seconds (default 60). */
  lockoutDurationSeconds?: number;
  /** Credentials (EC2 keys); default in memory. */
  credentials?: CredentialStore;
}

/** Roles a service user (another OpenStack service) holds to validate anyone's token. */
const SERVICE_ROLE = 'service';

const SUPPORTED_METHODS = new Set(['password', 'token']);

export type TokenBody = { token: Record<string, unknown> };

export class IdentityService implements Authenticator {
  readonly directory: IdentityDirectory;
  readonly tokens: TokenProvider;
  readonly publicUrl: string | undefined;
  readonly credentials: CredentialStore;
  private readonly adminRole: string;
  private readonly region: string;
  readonly logins: LoginThrottle;

  constructor(private readonly opts: IdentityServiceOptions) {
    this.logins = new LoginThrottle({
      clock: opts.clock,
      failureAttempts: opts.lockoutFailureAttempts ?? 5,
      lockoutSeconds: opts.lockoutDurationSeconds ?? 60,
    });
    this.directory = new IdentityDirectory(opts.data);
    this.tokens = new TokenProvider({
      secret: opts.tokenSecret,
      clock: opts.clock,
      rng: opts.rng,
      revocations: opts.revocations ?? new InMemoryTokenRevocations(),
      expirationSeconds: opts.tokenExpirationSeconds,
    });
    this.adminRole = opts.adminRole ?? 'admin';
    this.region = opts.regionName ?? DEFAULT_REGION;
    this.publicUrl = opts.publicUrl?.replace(/\/+$/, '');
    this.credentials = opts.credentials ?? new InMemoryCredentialStore();
  }

  /**
   * The caller behind an EC2 access key (what Keystone's /v3/ec2tokens resolves): the credential with
   * its secret, and the context of its user on its project. Undefined when the key is unknown, or its
   * user, project or role on the project is gone: the EC2 API answers AuthFailure without saying which.
   */
  ec2Caller(access: string): { credential: Ec2Credential; caller: AuthContext } | undefined {
    const stored = this.credentials.get(ec2CredentialId(access));
    const credential = stored ? asEc2(stored) : undefined;
    if (!credential || credential.access !== access) return undefined;
    const user = this.activeUser(credential.userId);
    if (!user || !this.enabledProject(credential.projectId)) return undefined;
    const roles = this.directory.projectRoles(user.id, credential.projectId);
    if (roles.length === 0) return undefined;
    const project = this.directory.project(credential.projectId)!;
    return {
      credential,
      caller: {
        userId: user.id, userName: user.name, userDomainId: user.domainId, projectId: project.id, projectName: project.name,
        projectDomainId: project.domainId, domainId: undefined, roles, isAdmin: roles.includes(this.adminRole),
        auditId: `ec2-${credential.id.slice(0, 18)}`, expiresAt: this.opts.clock.now() + 3_600_000,
      },
    };
  }

  /** The service's clock time (ms). */
  now(): number {
    return this.opts.clock.now();
  }

  /** Does the user hold a role on the project, with both enabled? (What an EC2 credential needs.) */
  mayUseProject(userId: string, projectId: string): boolean {
    return !!this.activeUser(userId) && this.enabledProject(projectId) && this.directory.projectRoles(userId, projectId).length > 0;
  }

  /**
   * `POST /v3/auth/tokens`: 400 for a malformed body, 401 for anything that does not authenticate,
   * 429 while `source` (the client's address) has failed too often for that user.
   */
  async authenticate(body: unknown, source = 'local'): Promise<IssuedToken> {
    const req = parseAuthRequest(body);
    if (req.methods.length === 0 || req.methods.some((m) => !SUPPORTED_METHODS.has(m))) {
      throw new KeystoneUnauthorized('Attempted to authenticate with an unsupported method.');
    }
    let user: User | undefined;
    let parent: TokenPayload | undefined;
    if (req.password) user = await this.checkPassword(req.password, source);
    if (req.token) {
      parent = await this.tokens.validate(req.token.id).catch(() => {
        throw new KeystoneUnauthorized();
      });
      if (user && user.id !== parent.userId) throw new KeystoneUnauthorized();
      user = this.activeUser(parent.userId);
    }
    if (!user) throw new KeystoneUnauthorized();
    const { scope, roles } = this.resolveScope(user, req);
    const methods = [...new Set([...req.methods, ...(parent?.methods ?? [])])];
    return this.tokens.issue({ userId: user.id, methods, scope, roles }, parent);
  }

  /** The Authenticator: a valid token's caller, or a 401. */
  async validateToken(token: string): Promise<AuthContext> {
    const payload = await this.checkedPayload(token);
    if (!payload) throw new KeystoneUnauthorized();
    return this.contextOf(payload);
  }

  /** A subject token for `GET/HEAD/DELETE /v3/auth/tokens`: 404 when it is not valid. */
  async validateSubjectToken(token: string | undefined): Promise<TokenPayload> {
    if (!token) throw new TokenNotFound('None');
    const payload = await this.checkedPayload(token);
    if (!payload) throw new TokenNotFound(token);
    return payload;
  }

  async revokeToken(payload: TokenPayload): Promise<void> {
    await this.tokens.revoke(payload);
  }

  /** May `caller` validate or revoke a token of `subjectUserId`? (Keystone's identity:validate_token.) */
  mayInspectToken(caller: AuthContext, subjectUserId: string): boolean {
    return caller.isAdmin || caller.roles.includes(SERVICE_ROLE) || caller.userId === subjectUserId;
  }

  contextOf(p: TokenPayload): AuthContext {
    const user = this.directory.user(p.userId)!;
    const project = p.scope && 'project' in p.scope ? this.directory.project(p.scope.project) : undefined;
    return {
      userId: user.id,
      userName: user.name,
      userDomainId: user.domainId,
      projectId: project?.id,
      projectName: project?.name,
      projectDomainId: project?.domainId,
      domainId: p.scope && 'domain' in p.scope ? p.scope.domain : undefined,
      roles: [...p.roles],
      isAdmin: p.roles.includes(this.adminRole),
      auditId: p.auditIds[0]!,
      expiresAt: p.expiresAt,
    };
  }

  /** The catalog as it appears in a token for this user and project. */
  catalogFor(userId: string, projectId: string | undefined): CatalogService[] {
    return renderCatalog(resolveCatalog(this.opts.catalog), { userId, projectId }, this.region);
  }

  /** Keystone's token body (keystone/common/render_token.py). */
  renderToken(p: TokenPayload, includeCatalog = true): TokenBody {
    const user = this.directory.user(p.userId)!;
    const token: Record<string, unknown> = {
      methods: p.methods,
      user: { domain: this.domainRef(user.domainId), id: user.id, name: user.name, password_expires_at: null },
      audit_ids: p.auditIds,
      expires_at: keystoneTime(p.expiresAt),
      issued_at: keystoneTime(p.issuedAt),
    };
    const roles = p.roles.map((name) => ({ id: this.directory.roleNamed(name)?.id ?? roleIdFor(name), name }));
    let projectId: string | undefined;
    if (p.scope && 'project' in p.scope) {
      const project = this.directory.project(p.scope.project)!;
      projectId = project.id;
      token['project'] = { domain: this.domainRef(project.domainId), id: project.id, name: project.name };
      token['is_domain'] = false;
      token['roles'] = roles;
    } else if (p.scope && 'domain' in p.scope) {
      token['domain'] = this.domainRef(p.scope.domain);
      token['roles'] = roles;
    }
    if (includeCatalog && p.scope !== null) token['catalog'] = this.catalogFor(user.id, projectId);
    return { token };
  }

  private domainRef(id: string): { id: string; name: string } {
    const d = this.directory.domain(id)!;
    return { id: d.id, name: d.name };
  }

  /** Signature, expiry, revocation, and the user and scope still existing and enabled. */
  private async checkedPayload(token: string): Promise<TokenPayload | undefined> {
    const payload = await this.tokens.validate(token).catch(() => undefined);
    if (!payload || !this.activeUser(payload.userId)) return undefined;
    const s = payload.scope;
    if (s && 'project' in s && !this.enabledProject(s.project)) return undefined;
    if (s && 'domain' in s && !this.directory.domain(s.domain)?.enabled) return undefined;
    return payload;
  }

  private activeUser(id: string): User | undefined {
    const u = this.directory.user(id);
    return u && u.enabled && this.directory.domain(u.domainId)?.enabled ? u : undefined;
  }

  private enabledProject(id: string): boolean {
    const p = this.directory.project(id);
    return !!p && p.enabled && !!this.directory.domain(p.domainId)?.enabled;
  }

  private findDomain(sel: DomainSelector): Domain | undefined {
    return 'id' in sel ? this.directory.domain(sel.id) : this.directory.domainNamed(sel.name);
  }

  private async checkPassword(p: NonNullable<AuthRequest['password']>, source: string): Promise<User> {
    let user: User | undefined;
    let asked: string;
    if ('id' in p.user) {
      user = this.directory.user(p.user.id);
      asked = `id:${p.user.id}`;
    } else {
      const domain = this.findDomain(p.user.domain);
      user = domain ? this.directory.userNamed(p.user.name, domain.id) : undefined;
      asked = `name:${JSON.stringify(p.user.domain)}:${p.user.name}`;
    }
    // Unknown names are throttled too (by the name asked for), so a spray cannot tell them apart.
    const throttleKey = user ? `user:${user.id}` : asked;
    this.logins.check(throttleKey, source);
    // Hash even when there is no such user, so that timing does not tell names apart.
    const ok = await verifyPassword(p.password ?? '', user?.passwordHash ?? UNMATCHABLE_HASH);
    if (!user || !ok || p.password === undefined || !this.activeUser(user.id)) {
      this.logins.failed(throttleKey, source);
      throw new KeystoneUnauthorized();
    }
    this.logins.succeeded(throttleKey, source);
    return user;
  }

  private resolveScope(user: User, req: AuthRequest): { scope: TokenScope; roles: string[] } {
    const s = req.scope;
    switch (s.kind) {
      case 'unscoped':
        return { scope: null, roles: [] };
      case 'default': {
        // Keystone scopes to the default project when there is one the user still holds a role on.
        const pid = user.defaultProjectId;
        const roles = pid && this.enabledProject(pid) ? this.directory.projectRoles(user.id, pid) : [];
        return roles.length > 0 ? { scope: { project: pid! }, roles } : { scope: null, roles: [] };
      }
      case 'project': {
        let project;
        if ('id' in s) project = this.directory.project(s.id);
        else {
          const domain = this.findDomain(s.domain);
          project = domain ? this.directory.projectNamed(s.name, domain.id) : undefined;
        }
        if (!project || !this.enabledProject(project.id)) throw new KeystoneUnauthorized();
        const roles = this.directory.projectRoles(user.id, project.id);
        if (roles.length === 0) throw new KeystoneUnauthorized();
        return { scope: { project: project.id }, roles };
      }
      case 'domain': {
        const domain = this.findDomain(s.domain);
        if (!domain || !domain.enabled) throw new KeystoneUnauthorized();
        const roles = this.directory.domainRoles(user.id, domain.id);
        if (roles.length === 0) throw new KeystoneUnauthorized();
        return { scope: { domain: domain.id }, roles };
      }
      case 'unsupported':
        throw new KeystoneUnauthorized();
    }
  }
}
