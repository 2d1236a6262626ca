/**
 * The broker policy as pure functions: who may log in under which client id, which topics each
 * principal may read and write, pattern containment for subscriptions, derived passwords, and the
 * same policy rendered as a Mosquitto ACL.
 */
import { describe, expect, it } from 'vitest';
import {
  aclFor, brokerGuards, brokerPassword, clientIdAllowed, mayPublish, maySubscribe, mosquittoFiles, passwordVerifier,
  patternWithin, principalOf, replySenders, senderOf, type BrokerCell, type Sender,
} from '../../../cells/security/index.ts';
import { SeededRng } from '../../../runtime/rng/index.ts';

const leaf: BrokerCell = { path: 'api!eu!fra1', childPaths: [], hostNames: ['h1', 'h2'] };
const mid: BrokerCell = { path: 'api!eu', childPaths: ['api!eu!fra1', 'api!eu!ams1'], hostNames: [] };

describe('principals', () => {
  it('parses usernames and rejects anything else', () => {
    expect(principalOf('compute@h1')).toEqual({ kind: 'compute', host: 'h1' });
    expect(principalOf('link@api!eu')).toEqual({ kind: 'link', child: 'api!eu' });
    expect(principalOf('cell@api')).toEqual({ kind: 'cell', cell: 'api' });
    for (const u of [undefined, '', 'admin', 'compute@', '@h1', 'root@h1']) expect(principalOf(u)).toBeUndefined();
  });

  it('binds client ids to principals', () => {
    expect(clientIdAllowed(leaf, { kind: 'compute', host: 'h1' }, 'compute:h1')).toBe(true);
    expect(clientIdAllowed(leaf, { kind: 'compute', host: 'h1' }, 'compute:h2')).toBe(false);
    expect(clientIdAllowed(leaf, { kind: 'compute', host: 'h1' }, 'api!eu!fra1:conductor')).toBe(false);
    expect(clientIdAllowed(leaf, { kind: 'compute', host: 'h3' }, 'compute:h3')).toBe(false);
    expect(clientIdAllowed(leaf, { kind: 'cell', cell: 'api!eu!fra1' }, 'api!eu!fra1:conductor')).toBe(true);
    expect(clientIdAllowed(leaf, { kind: 'cell', cell: 'api!eu!fra1' }, 'api!eu:cell')).toBe(false);
    expect(clientIdAllowed(leaf, { kind: 'cell', cell: 'api!eu' }, 'api!eu:cell')).toBe(false);
    expect(clientIdAllowed(mid, { kind: 'link', child: 'api!eu!fra1' }, 'link:api!eu!fra1')).toBe(true);
    expect(clientIdAllowed(mid, { kind: 'link', child: 'api!eu!fra1' }, 'link:api!eu!ams1')).toBe(false);
    expect(clientIdAllowed(mid, { kind: 'link', child: 'api!us' }, 'link:api!us')).toBe(false);
  });
});

/** senderOf as first written: split the rest of the topic into levels (the reference for the in-place reading). */
function senderBySplit(brokerCell: string, topic: string): Sender | undefined {
  const prefix = `nc/${brokerCell}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const parts = topic.slice(prefix.length).split('/');
  const [kind, name, extra] = parts;
  if (extra !== undefined || name === undefined) return parts.length === 1 ? { kind: 'cell', cell: brokerCell } : undefined;
  if (name === '') return undefined;
  if (kind === 'conductor') return { kind: 'compute', host: name };
  if (kind === 'up') return { kind: 'link', child: name };
  if (kind === 'gone') return { kind: 'link', child: name, viaWill: true };
  return { kind: 'cell', cell: brokerCell };
}

describe('senders by topic', () => {
  it('reads the principal the topic names', () => {
    expect(senderOf('api!eu', 'nc/api!eu/conductor/h1')).toEqual({ kind: 'compute', host: 'h1' });
    expect(senderOf('api!eu', 'nc/api!eu/up/api!eu!fra1')).toEqual({ kind: 'link', child: 'api!eu!fra1' });
    expect(senderOf('api!eu', 'nc/api!eu/gone/api!eu!fra1')).toEqual({ kind: 'link', child: 'api!eu!fra1', viaWill: true });
    expect(senderOf('api!eu', 'nc/api!eu/scheduler')).toEqual({ kind: 'cell', cell: 'api!eu' });
    for (const t of ['nc/api!eu/up/', 'nc/api!eu/up/a/b', 'nc/api!eu', 'nc/api!eux/up/a', 'nc/api/up/a', 'xc/api!eu/up/a']) {
      expect(senderOf('api!eu', t), t).toBeUndefined();
    }
  });

  it('agrees with splitting the topic into levels, over random topics', () => {
    const rng = new SeededRng('senders').stream('topics');
    const pieces = ['nc', 'api', 'api!eu', 'eu', '/', '/', '/', 'up', 'gone', 'conductor', 'h1', '', '!', 'x'];
    for (let i = 0; i < 20_000; i++) {
      const cell = rng.pick(['api', 'api!eu', 'a', 'api!eu!fra1']);
      let topic = rng.next() < 0.7 ? `nc/${cell}/` : '';
      const n = rng.int(7);
      for (let j = 0; j < n; j++) topic += rng.pick(pieces);
      expect(senderOf(cell, topic), `${cell} ${topic}`).toEqual(senderBySplit(cell, topic));
    }
  });
});

describe('topic access', () => {
  it('contains subscription patterns in rules', () => {
    expect(patternWithin('a/b/c', 'a/b/c')).toBe(true);
    expect(patternWithin('a/b/c', 'a/#')).toBe(true);
    expect(patternWithin('a/+/c', 'a/#')).toBe(true);
    expect(patternWithin('a/#', 'a/#')).toBe(true);
    expect(patternWithin('a', 'a/#')).toBe(false);
    expect(patternWithin('a/+', 'a/b')).toBe(false);
    expect(patternWithin('a/#', 'a/b')).toBe(false);
    expect(patternWithin('#', 'a/#')).toBe(false);
    expect(patternWithin('a/b', 'a/+')).toBe(true);
    expect(patternWithin('a/b/c', 'a/+')).toBe(false);
  });

  it('lets a compute agent read its own topics and write only its own report topic of the conductor', () => {
    const u = 'compute@h1';
    expect(maySubscribe(leaf, u, 'nc/api!eu!fra1/compute/h1')).toBe(true);
    expect(maySubscribe(leaf, u, 'nc/api!eu!fra1/reply/compute:h1')).toBe(true);
    expect(maySubscribe(leaf, u, 'nc/api!eu!fra1/compute/h2')).toBe(false);
    expect(maySubscribe(leaf, u, 'nc/api!eu!fra1/compute/+')).toBe(false);
    expect(maySubscribe(leaf, u, 'nc/api!eu!fra1/conductor')).toBe(false);
    expect(mayPublish(leaf, u, 'nc/api!eu!fra1/conductor/h1')).toBe(true);
    expect(mayPublish(leaf, u, 'nc/api!eu!fra1/conductor')).toBe(false);
    expect(mayPublish(leaf, u, 'nc/api!eu!fra1/conductor/h2')).toBe(false);
    expect(mayPublish(leaf, u, 'nc/api!eu!fra1/reply/api!eu!fra1:conductor')).toBe(true);
    expect(mayPublish(leaf, u, 'nc/api!eu!fra1/compute/h2')).toBe(false);
    expect(mayPublish(leaf, u, 'nc/api!eu!fra1/reply/compute:h2')).toBe(false);
  });

  it("lets a child's link use only its down topic, its own up topic, its will topic as a will, and replies to its parent", () => {
    const u = 'link@api!eu!fra1';
    expect(maySubscribe(mid, u, 'nc/api!eu/down/api!eu!fra1')).toBe(true);
    expect(maySubscribe(mid, u, 'nc/api!eu/down/api!eu!ams1')).toBe(false);
    expect(maySubscribe(mid, u, 'nc/api!eu/up/api!eu!fra1')).toBe(false);
    expect(mayPublish(mid, u, 'nc/api!eu/up/api!eu!fra1')).toBe(true);
    expect(mayPublish(mid, u, 'nc/api!eu/up/api!eu!ams1')).toBe(false);
    expect(mayPublish(mid, u, 'nc/api!eu/up')).toBe(false);
    expect(mayPublish(mid, u, 'nc/api!eu/gone/api!eu!fra1')).toBe(false);
    expect(mayPublish(mid, u, 'nc/api!eu/gone/api!eu!fra1', true)).toBe(true);
    expect(mayPublish(mid, u, 'nc/api!eu/gone/api!eu!ams1', true)).toBe(false);
    expect(mayPublish(mid, u, 'nc/api!eu/reply/api!eu:cell')).toBe(true);
    expect(mayPublish(mid, u, 'nc/api!eu/down/api!eu!ams1')).toBe(false);
  });

  it("gives a cell's own services its whole namespace and nothing else; unknown users nothing", () => {
    expect(maySubscribe(leaf, 'cell@api!eu!fra1', 'nc/api!eu!fra1/#')).toBe(true);
    expect(maySubscribe(leaf, 'cell@api!eu!fra1', '#')).toBe(false);
    expect(maySubscribe(leaf, 'cell@api!eu!fra1', '$SYS/#')).toBe(false);
    expect(mayPublish(leaf, 'cell@api!eu!fra1', 'nc/api!eu/up/api!eu!fra1')).toBe(false);
    expect(aclFor(leaf, { kind: 'cell', cell: 'api!eu' })).toEqual([]);
    expect(maySubscribe(leaf, 'someone', 'nc/api!eu!fra1/compute/h1')).toBe(false);
    expect(mayPublish(leaf, undefined, 'nc/api!eu!fra1/conductor')).toBe(false);
  });
});

describe('reply topics', () => {
  it("binds a call's reply topic to the sender the topic proves: a host's, a link's, the cell's own clients'", () => {
    const leafSender = replySenders('api!eu!fra1');
    const host = leafSender('nc/api!eu!fra1/conductor/h1')!;
    expect(host.principal).toBe('compute@h1');
    expect(host.ownsReplyId('compute:h1')).toBe(true);
    for (const id of ['compute:h2', 'api!eu!fra1:conductor', 'link:api!eu!fra1']) expect(host.ownsReplyId(id), id).toBe(false);
    const own = leafSender('nc/api!eu!fra1/compute/h1')!;
    expect(own.principal).toBe('cell@api!eu!fra1');
    expect(own.ownsReplyId('api!eu!fra1:conductor')).toBe(true);
    expect(own.ownsReplyId('compute:h1')).toBe(false);
    const midSender = replySenders('api!eu');
    expect(midSender('nc/api!eu/up/api!eu!fra1')!.ownsReplyId('link:api!eu!fra1')).toBe(true);
    expect(midSender('nc/api!eu/up/api!eu!fra1')!.ownsReplyId('link:api!eu!ams1')).toBe(false);
    // The link's child answers its parent's calls (down/<child>) to the parent's own clients only.
    expect(replySenders('api!eu')('nc/api!eu/down/api!eu!fra1')!.ownsReplyId('api!eu:cell')).toBe(true);
    expect(midSender('nc/api!eu/gone/api!eu!fra1')!.ownsReplyId('link:api!eu!fra1')).toBe(false);
    expect(midSender('nc/api!other/up/x')).toBeUndefined();
  });
});

describe('credentials', () => {
  it('derives a password per broker and user, and checks it', () => {
    const s = 'f'.repeat(64);
    const p = brokerPassword(s, 'api!eu!fra1', 'compute@h1');
    expect(p).toBe(brokerPassword(s, 'api!eu!fra1', 'compute@h1'));
    expect(p).not.toBe(brokerPassword(s, 'api!eu!fra1', 'compute@h2'));
    expect(p).not.toBe(brokerPassword(s, 'api!eu!ams1', 'compute@h1'));
    expect(p).not.toBe(brokerPassword('e'.repeat(64), 'api!eu!fra1', 'compute@h1'));
    const verify = passwordVerifier(s, 'api!eu!fra1');
    expect(verify('compute@h1', p)).toBe(true);
    expect(verify('compute@h1', `${p}x`)).toBe(false);
    expect(verify('compute@h1', undefined)).toBe(false);
    const guards = brokerGuards(leaf, verify);
    expect(guards.authenticate('compute:h1', 'compute@h1', p)).toBe(true);
    expect(guards.authenticate('compute:h2', 'compute@h1', p)).toBe(false);
  });

  it('renders the policy as a Mosquitto password list and ACL file', () => {
    const files = mosquittoFiles(leaf, 'f'.repeat(64), { username: 'nova-fra1', password: 'pw' });
    expect(files.passwords.split('\n')).toEqual([
      'nova-fra1:pw', `compute@h1:${brokerPassword('f'.repeat(64), 'api!eu!fra1', 'compute@h1')}`,
      `compute@h2:${brokerPassword('f'.repeat(64), 'api!eu!fra1', 'compute@h2')}`, '',
    ]);
    expect(files.acl).toContain('user nova-fra1\ntopic readwrite nc/api!eu!fra1/#\n');
    expect(files.acl).toContain(
      'user compute@h1\ntopic read nc/api!eu!fra1/compute/h1\ntopic read nc/api!eu!fra1/reply/compute:h1\n' +
        'topic write nc/api!eu!fra1/conductor/h1\ntopic write nc/api!eu!fra1/reply/api!eu!fra1:conductor\n',
    );
    expect(() => mosquittoFiles(leaf, 'f'.repeat(64), { username: 'a:b', password: 'x' })).toThrow(/cannot go in a Mosquitto password file/);
  });
});
