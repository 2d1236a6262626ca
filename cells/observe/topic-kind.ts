/**
 * A bounded label for a bus topic: the kind of traffic, never a host name, client id or uuid.
 * `nc/<cell>/conductor` → conductor, `nc/<cell>/compute/<host>` → compute, `nc/<cell>/down/<child>` →
 * down, `nc/<cell>/reply/<client>` → reply; anything unknown → other.
 */
const KINDS = new Set(['conductor', 'compute', 'up', 'down', 'reply', 'status', 'cells-port']);

export function topicKind(topic: string): string {
  if (!topic.startsWith('nc/')) return topic.startsWith('$SYS/') ? '$SYS' : 'other';
  const afterCell = topic.indexOf('/', 3);
  if (afterCell < 0) return 'other';
  const end = topic.indexOf('/', afterCell + 1);
  const kind = end < 0 ? topic.slice(afterCell + 1) : topic.slice(afterCell + 1, end);
  return KINDS.has(kind) ? kind : 'other';
}
