/**
 * Identity: a minimal but real Keystone v3 for the API cell (password auth, project/domain/unscoped
 * tokens signed with HMAC, validation, revocation, catalog, read-only projects/users/domains/roles),
 * and the token check every other REST surface puts in front of its routes.
 */
export { IdentityService } from './service.ts';
export type { IdentityServiceOptions, TokenBody } from './service.ts';
export { mountIdentity, DEFAULT_IDENTITY_PREFIX } from './plugin.ts';
export { requireToken, authOf, maybeAuthOf, setAuth } from './middleware.ts';
export type { RequireTokenOptions } from './middleware.ts';
export { hashPassword, verifyPassword, isPasswordHash } from './passwords.ts';
export { devstackCatalog, renderCatalog, DEFAULT_REGION } from './catalog.ts';
export type {
  CatalogSource, CatalogService, CatalogServiceInput, CatalogEndpoint, CatalogEndpointInput, EndpointInterface,
  DevstackCatalogOptions,
} from './catalog.ts';
export { InMemoryTokenRevocations } from './revocations.ts';
export type { TokenRevocations } from './revocations.ts';
export { TokenProvider, InvalidToken, keystoneTime, DEFAULT_TOKEN_EXPIRATION_S } from './tokens.ts';
export type { TokenPayload, TokenScope, IssuedToken, InvalidTokenReason } from './tokens.ts';
export { IdentityDirectory, DEFAULT_DOMAIN, roleIdFor } from './directory.ts';
export type { Domain, Project, Role, User, RoleAssignment } from './directory.ts';
export {
  KeystoneUnauthorized, KeystoneForbidden, KeystoneNotFound, KeystoneValidationError, TokenNotFound,
  KeystoneConflict, renderKeystoneFault, AUTH_REQUIRED_MESSAGE,
} from './errors.ts';
export type { AuthContext, Authenticator, IdentityData, UserInput, ProjectInput, DomainInput, RoleInput } from './types.ts';
export { CredentialCipher } from './credential-cipher.ts';
export { EncryptedCredentialStore, InMemoryCredentialStore, asEc2, ec2CredentialId } from './credentials.ts';
export type { Credential, CredentialRow, CredentialRows, CredentialStore, Ec2Credential } from './credentials.ts';
