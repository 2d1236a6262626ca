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
