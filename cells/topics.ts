/** Topic names on a cell's broker. Full cell names are paths joined with `!` (`api!eu!fra1`). */
export function cellPrefix(cell: string): string {
  return `nc/${cell}`;
}
/** The cell whose broker a topic prefix names (the inverse of cellPrefix); undefined for another prefix. */
export function cellOfPrefix(prefix: string): string | undefined {
  return prefix.startsWith('nc/') && prefix.length > 3 ? prefix.slice(3) : undefined;
}
/** The conductor's topic for the cell's own services (only the cell's own principal may write it). */
export function conductorTopic(cell: string): string {
  return `${cellPrefix(cell)}/conductor`;
}
/**
 * Where one compute host reports to its conductor. The host is in the topic and the broker lets only
 * that host's principal write it, so the conductor knows the sender without trusting the message.
 */
export function conductorTopicOfHost(cell: string, host: string): string {
  return `${conductorTopic(cell)}/${host}`;
}
/** Everything the conductor serves: its own topic and every host's report topic. */
export function conductorInbox(cell: string): string {
  return `${conductorTopic(cell)}/#`;
}
export function computeTopic(cell: string, host: string): string {
  return `${cellPrefix(cell)}/compute/${host}`;
}
export function computeWildcard(cell: string): string {
  return `${cellPrefix(cell)}/compute/+`;
}

/** On a parent's broker: what the parent sends down to one child. */
export function downTopic(parent: string, childPath: string): string {
  return `${cellPrefix(parent)}/down/${childPath}`;
}
/** On a parent's broker: what one child sends up (only that child's link may write it). */
export function upTopic(parent: string, childPath: string): string {
  return `${cellPrefix(parent)}/up/${childPath}`;
}
export function upWildcard(parent: string): string {
  return `${cellPrefix(parent)}/up/+`;
}
/** On a parent's broker: a child link's last will (the broker publishes it; the link itself may not). */
export function goneTopic(parent: string, childPath: string): string {
  return `${cellPrefix(parent)}/gone/${childPath}`;
}
export function goneWildcard(parent: string): string {
  return `${cellPrefix(parent)}/gone/+`;
}

/** On a cell's broker: `cell_status` calls (novacell status), answered with the cell's subtree. */
export function statusTopic(cell: string): string {
  return `${cellPrefix(cell)}/status`;
}
/** On the API cell's broker: the API cell's CellsPort, for an API served by another process. */
export function cellsPortTopic(cell: string): string {
  return `${cellPrefix(cell)}/cells-port`;
}
