/**
 * Consoles: Nova's consoleauth (tokens minted by the guest's compute host, stored by hash in its leaf
 * cell, found by hash through the tree) and the proxies an operator's browser or VNC client connects
 * to (noVNC, SPICE-HTML5, serial websocket, XVP raw TCP).
 */
export * from './console-auth-token.ts';
export { ConsoleAuthStore, consoleAuthMigration, CONSOLE_AUTH_TABLE } from './console-auth-store.ts';
export * from './errors.ts';
export { issueConsole, validateConsolePort } from './compute-consoles.ts';
export { osSecretBytes, type SecretBytes } from './secret-bytes.ts';
export * from './console-urls.ts';
