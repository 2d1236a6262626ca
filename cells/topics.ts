/** Topic names on a cell's broker. Full cell names are paths joined with `!` (`api!eu!fra1`). */
export function cellPrefix(cell: string): string {
  return `nc/${cell}`;
}
export function conductorTopic(cell: string): string {
  return `${cellPrefix(cell)}/conductor`;
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
/** On a parent's broker: what every child sends up (the sender is in the message). */
export function upTopic(parent: string): string {
  return `${cellPrefix(parent)}/up`;
}

/** On a cell's broker: `cell_status` calls (novacell status), answered with the cell's subtree. */
export function statusTopic(cell: string): string {
  return `${cellPrefix(cell)}/status`;
}
/** On the API cell's broker: the API cell's CellsPort, for an API served by another process. */
export function cellsPortTopic(cell: string): string {
  return `${cellPrefix(cell)}/cells-port`;
}
