import { describe, expect, it } from 'vitest';
import { topicKind } from '../../../../cells/observe/topic-kind.ts';

describe('topicKind', () => {
  it('names the kind of traffic, never the host, child or client', () => {
    expect(topicKind('nc/api!c1/conductor')).toBe('conductor');
    expect(topicKind('nc/api!c1/compute/compute01')).toBe('compute');
    expect(topicKind('nc/api/down/api!c1')).toBe('down');
    expect(topicKind('nc/api/up')).toBe('up');
    expect(topicKind('nc/api/reply/api:cell')).toBe('reply');
    expect(topicKind('nc/api/cells-port')).toBe('cells-port');
  });
  it('folds anything else into a few values', () => {
    expect(topicKind('nc/api/9b2f1c0e-uuid-like')).toBe('other');
    expect(topicKind('elsewhere/x')).toBe('other');
    expect(topicKind('$SYS/broker/uptime')).toBe('$SYS');
    expect(topicKind('nc/onlycell')).toBe('other');
  });
});
