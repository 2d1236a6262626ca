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

/** A message's sender: a principal, and for a link whether the broker published it as the link's last will. */
export type Sender = Principal & { viaWill?: true };

/**
 * Who sent a message that arrived on `topic` of the broker of cell `brokerCell`. The broker lets each
 * principal write only topics that name it (policy.ts), so the topic is the authenticated sender:
 * `conductor/<host>` is that compute host, `up/<child>` that child's link, `gone/<child>` the broker's
 * last will for that link; any other topic of the cell only its own services can write.
 */
export function senderOf(brokerCell: string, topic: string): Sender | undefined {
  // `nc/<brokerCell>/<kind>[/<name>]`, read in place (it runs on every message a cell receives).
  const start = brokerCell.length + 4;
  if (!topic.startsWith('nc/') || !topic.startsWith(brokerCell, 3) || topic.charCodeAt(start - 1) !== SLASH) return undefined;
  const slash = topic.indexOf('/', start);
  if (slash === -1) return { kind: 'cell', cell: brokerCell };
  // A third level, or an empty name, names no sender.
  if (slash === topic.length - 1 || topic.indexOf('/', slash + 1) !== -1) return undefined;
  const kind = topic.slice(start, slash);
  const name = topic.slice(slash + 1);
  if (kind === 'conductor') return { kind: 'compute', host: name };
  if (kind === 'up') return { kind: 'link', child: name };
  if (kind === 'gone') return { kind: 'link', child: name, viaWill: true };
  return { kind: 'cell', cell: brokerCell };
}

const SLASH = 47;

/** A sender for log lines: its broker username, marked when it came as a last will. */
export function describeSender(s: Sender): string {
  return s.viaWill ? `${usernameOf(s)} (last will)` : usernameOf(s);
}

/**
 * For the bus's replyTo check (runtime/bus/endpoint.ts): who sent a call that arrived on `topic` of
 * the broker of `brokerCell`, and which reply topic is theirs — a compute host's is
 * `reply/compute:<host>`, a child link's `reply/link:<child>`, the cell's own services' any
 * `reply/<cell>:…`. A last will is a cast and gets no reply.
 */
export function replySenders(brokerCell: string): (topic: string) => { principal: string; ownsReplyId(id: string): boolean } | undefined {
  return (topic) => {
    const s = senderOf(brokerCell, topic);
    if (!s) return undefined;
    const principal = describeSender(s);
    if (s.viaWill) return { principal, ownsReplyId: () => false };
    if (s.kind === 'compute') return { principal, ownsReplyId: (id) => id === computeClientId(s.host) };
    if (s.kind === 'link') return { principal, ownsReplyId: (id) => id === linkClientId(s.child) };
    return { principal, ownsReplyId: (id) => id.startsWith(`${brokerCell}:`) };
  };
}
