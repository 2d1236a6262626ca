/**
 * The broker policy rendered for Mosquitto: a password list (`user:password` lines, to be hashed with
 * `mosquitto_passwd -U`) and an ACL file, so a cell on an external Mosquitto broker gives a compute
 * host the same reach as on the embedded broker. Mosquitto cannot bind client ids to usernames; its
 * per-message read checks still keep one host from reading another's topics.
 */
import { aclFor, type BrokerCell } from './policy.ts';
import { brokerPassword } from './credentials.ts';
import { cellUser, computeUser, linkUser, type Principal } from './principals.ts';

export interface MosquittoFiles {
  /** `username:password` per line, plain text: hash it with `mosquitto_passwd -U <file>`. */
  passwords: string;
  acl: string;
}

/** Every principal of a cell's broker, with the username it logs in as. */
export function brokerPrincipals(cell: BrokerCell): Array<{ principal: Principal; username: string }> {
  const links = cell.childPaths.map((child): { principal: Principal; username: string } => ({ principal: { kind: 'link', child }, username: linkUser(child) }));
  const hosts = cell.hostNames.map((host): { principal: Principal; username: string } => ({ principal: { kind: 'compute', host }, username: computeUser(host) }));
  return [
    { principal: { kind: 'cell', cell: cell.path }, username: cellUser(cell.path) },
    ...links,
    ...hosts,
  ];
}

/**
 * @param ownLogin the username and password the cell's own services use on this broker, when the
 *   topology names them (otherwise `cell@<cell>` with the derived password).
 */
export function mosquittoFiles(cell: BrokerCell, secret: string, ownLogin?: { username: string; password: string }): MosquittoFiles {
  const pw: string[] = [];
  const acl: string[] = [`# novacell: ACL of the broker of cell ${cell.path} (generated; do not edit)`];
  for (const { principal, username } of brokerPrincipals(cell)) {
    const own = principal.kind === 'cell' && ownLogin;
    const user = own ? ownLogin.username : username;
    const password = own ? ownLogin.password : brokerPassword(secret, cell.path, username);
    if (user.includes(':') || /\s/.test(user)) throw new Error(`username ${JSON.stringify(user)} cannot go in a Mosquitto password file`);
    pw.push(`${user}:${password}`);
    acl.push('', `user ${user}`);
    for (const r of aclFor(cell, principal)) acl.push(`topic ${r.access} ${r.topic}`);
  }
  return { passwords: `${pw.join('\n')}\n`, acl: `${acl.join('\n')}\n` };
}
