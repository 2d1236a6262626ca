/**
 * What the identity service is given (users, projects, domains, roles) and what it tells the other
 * REST surfaces about a caller (AuthContext).
 */

export interface UserInput {
  id: string;
  name: string;
  domainId: string;
  /** From hashPassword(); the clear password is never stored. */
  passwordHash: string;
  /** The project the user holds `roles` on. */
  projectId: string;
  /** Role names on `projectId` (e.g. ["admin"], ["member", "reader"]). */
  roles: string[];
  /** Keystone's default_project_id: a token asked for without a scope is scoped to it. */
  defaultProjectId?: string;
  /** Role names on the user's own domain (needed for a domain-scoped token). */
  domainRoles?: string[];
  enabled?: boolean;
  email?: string;
}

export interface ProjectInput {
  id: string;
  name: string;
  domainId: string;
  description?: string;
  enabled?: boolean;
}

export interface DomainInput {
  id: string;
  name: string;
  description?: string;
  enabled?: boolean;
}

export interface RoleInput {
  /** Defaults to a stable id derived from the name. */
  id?: string;
  name: string;
}

export interface IdentityData {
  users: UserInput[];
  projects: ProjectInput[];
  /** Defaults to Keystone's default domain: id "default", name "Default". */
  domains?: DomainInput[];
  /** Roles beyond those the users hold (they are added automatically). */
  roles?: RoleInput[];
}

/** A validated caller, as REST modules see it. */
export interface AuthContext {
  userId: string;
  userName: string;
  userDomainId: string;
  /** Set for a project-scoped token. */
  projectId: string | undefined;
  projectName: string | undefined;
  projectDomainId: string | undefined;
  /** Set for a domain-scoped token. */
  domainId: string | undefined;
  /** Role names held in the token's scope. */
  roles: string[];
  /** Holds the admin role (Nova's default policy "role:admin"). */
  isAdmin: boolean;
  /** The token's own audit id (what a revocation names). */
  auditId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** Validates the X-Auth-Token of a request; what every REST surface depends on. */
export interface Authenticator {
  /** Resolves the caller, or rejects with a 401 HttpError. */
  validateToken(token: string): Promise<AuthContext>;
}
