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
