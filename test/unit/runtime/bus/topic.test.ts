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

  it('agrees with the level-by-level definition on every pattern and topic of up to three short levels', () => {
    // The definition, written the plain way: split both on '/', compare level by level.
    const byLevels = (pattern: string, topic: string): boolean => {
      const p = pattern.split('/');
      const t = topic.split('/');
      for (let i = 0; i < p.length; i++) {
        if (p[i] === '#') return true;
        if (i >= t.length) return false;
        if (p[i] !== '+' && p[i] !== t[i]) return false;
      }
      return p.length === t.length;
    };
    const levels = ['', 'a', 'b', '+', '#', 'ab', 'a+', '#a'];
    const all = new Set(levels);
    for (const x of levels) for (const y of levels) { all.add(`${x}/${y}`); for (const z of levels) all.add(`${x}/${y}/${z}`); }
    const wrong: string[] = [];
    for (const p of all) for (const t of all) if (topicMatches(p, t) !== byLevels(p, t)) wrong.push(`${p} ~ ${t}`);
    expect(all.size).toBeGreaterThan(500);
    expect(wrong).toEqual([]);
  });
});

describe('replyTopic', () => {
  it('puts replies for a client under its prefix', () => {
    expect(replyTopic('nova/api', 'conductor-1')).toBe('nova/api/reply/conductor-1');
  });
});
