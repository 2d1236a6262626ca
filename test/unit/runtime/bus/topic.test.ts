/** MQTT topic matching as the spec (MQTT 3.1.1 §4.7) defines it, and reply topic naming. */
import { describe, expect, it } from 'vitest';
import { replyTopic, topicMatches } from '../../../../runtime/bus/index.ts';

describe('topicMatches', () => {
  it.each([
    ['cells/eu/compute', 'cells/eu/compute', true],
    ['cells/eu/compute', 'cells/eu/conductor', false],
    ['cells/+/compute', 'cells/eu/compute', true],
    ['cells/+/compute', 'cells/eu/fra1/compute', false],
    ['cells/+', 'cells/', true], // + matches an empty level
    ['cells/#', 'cells/eu/fra1/compute', true],
    ['cells/#', 'cells', true], // # also matches the parent level (§4.7.1.2)
    ['cells/#', 'cellsx/eu', false],
    ['#', 'anything/at/all', true],
    ['+/+', 'a/b', true],
    ['+/+', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
  ])('%s matches %s: %s', (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });
});

describe('replyTopic', () => {
  it('puts replies for a client under its prefix', () => {
    expect(replyTopic('nova/api', 'conductor-1')).toBe('nova/api/reply/conductor-1');
  });
});
