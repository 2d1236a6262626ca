/**
 * Who connects to a cell's broker, by MQTT username and client id. Three kinds of principal:
 * the cell's own services (`cell@<cell>`), a child cell's link (`link@<child>`, on its parent's broker)
 * and one compute host's agent (`compute@<host>`, on its leaf cell's broker). Usernames avoid `:`,
 * which Mosquitto's password files cannot hold.
 */
export type Principal =
  | { kind: 'cell'; cell: string }
  | { kind: 'link'; child: string }
  | { kind: 'compute'; host: string };

export function cellUser(cell: string): string {
  return `cell@${cell}`;
}
export function linkUser(child: string): string {
  return `link@${child}`;
}
export function computeUser(host: string): string {
  return `compute@${host}`;
}

/** Client id of a child's link on its parent's broker (the will and the reply topic hang off it). */
export function linkClientId(child: string): string {
  return `link:${child}`;
}
/** Client id of a compute agent on its cell's broker. */
export function computeClientId(host: string): string {
  return `compute:${host}`;
}
/** Cell-internal client ids start with `<cell>:` (`api!eu:cell`, `api!eu!fra1:conductor`, ...). */
export function internalClientId(cell: string, role: string): string {
  return `${cell}:${role}`;
}

export function principalOf(username: string | undefined): Principal | undefined {
  if (!username) return undefined;
  const at = username.indexOf('@');
  if (at <= 0 || at === username.length - 1) return undefined;
  const kind = username.slice(0, at);
  const name = username.slice(at + 1);
  if (kind === 'cell') return { kind, cell: name };
  if (kind === 'link') return { kind, child: name };
  if (kind === 'compute') return { kind, host: name };
  return undefined;
}

export function usernameOf(p: Principal): string {
  if (p.kind === 'cell') return cellUser(p.cell);
  if (p.kind === 'link') return linkUser(p.child);
  return computeUser(p.host);
}
