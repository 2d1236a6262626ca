/**
 * broker_tls in the plan and the certificates it calls for: with mode mutual, embedded brokers are
 * mqtts:// with the pki dir, an external mqtts:// broker too (an mqtt:// one stays password-only);
 * every cell, link, compute host and the API get one certificate, CN = the principal's user name,
 * brokers' certificates naming the address clients dial; a certified client needs no password but
 * still its own client id.
 */
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../topology/load.ts';
import { resolvePlan } from '../../../topology/plan.ts';
import { brokerGuards, deploymentCertificates, type BrokerCell } from '../../../cells/security/index.ts';

const yaml = (mode: string) => `version: 1
name: t
data_dir: /srv/nc
broker_tls: {mode: ${mode}}
cell:
  name: api
  broker: {host: 10.0.0.1, port: 1883}
  children:
    - name: fra1
      broker: {host: 0.0.0.0, port: 1884}
      hosts: [{names: "h[1:2]", vcpus: 4, memory_mb: 8192, disk_gb: 100}]
    - name: iad1
      broker: {url: "mqtts://mq.iad.example.net:8883"}
    - name: sea1
      broker: {url: "mqtt://mq.sea.example.net:1883"}
`;

describe('broker_tls in the plan', () => {
  it('off: plain mqtt:// and no TLS material (the default only for up; see pki-bootstrap.test.ts)', () => {
    const p = resolvePlan(parseTopology(yaml('off')));
    expect(p.brokerTls).toEqual({ mode: 'off', pkiDir: '/srv/nc/pki', explicit: true });
    expect(p.cells.map((c) => c.broker.url)).toEqual(['mqtt://10.0.0.1:1883', 'mqtt://0.0.0.0:1884', 'mqtts://mq.iad.example.net:8883', 'mqtt://mq.sea.example.net:1883']);
    expect(p.cells.every((c) => c.broker.tls === undefined)).toBe(true);
  });

  it('mutual: embedded brokers on mqtts:// and external mqtts:// brokers with certificates', () => {
    const p = resolvePlan(parseTopology(yaml('mutual')));
    expect(p.cells.map((c) => [c.broker.url, c.broker.tls?.pkiDir ?? null])).toEqual([
      ['mqtts://10.0.0.1:1883', '/srv/nc/pki'],
      ['mqtts://0.0.0.0:1884', '/srv/nc/pki'],
      ['mqtts://mq.iad.example.net:8883', '/srv/nc/pki'],
      ['mqtt://mq.sea.example.net:1883', null],
    ]);
  });

  it('rejects an unknown mode with the field named', () => {
    expect(() => parseTopology(yaml('optional'))).toThrow(/broker_tls\.mode/);
  });
});

describe('deploymentCertificates', () => {
  it('one per cell, per link, per compute host and the API, named by principal', () => {
    const certs = deploymentCertificates(resolvePlan(parseTopology(yaml('mutual'))));
    expect(certs.map((c) => [c.name, c.usage, c.altNames])).toEqual([
      ['cell@api', 'client+server', ['10.0.0.1']],
      ['cell@api!fra1', 'client+server', ['localhost', '127.0.0.1', '::1']],
      ['link@api!fra1', 'client', []],
      ['cell@api!iad1', 'client+server', ['mq.iad.example.net']],
      ['link@api!iad1', 'client', []],
      ['cell@api!sea1', 'client+server', ['mq.sea.example.net']],
      ['link@api!sea1', 'client', []],
      ['compute@h1', 'client', []],
      ['compute@h2', 'client', []],
      ['api', 'server', ['127.0.0.1', 'localhost', '::1']],
    ]);
  });
});

describe('a certified client on the broker', () => {
  const leaf: BrokerCell = { path: 'api!fra1', childPaths: [], hostNames: ['h1', 'h2'] };
  const guards = brokerGuards(leaf, () => false);
  it('needs no password, but its own client id and a principal this broker knows', () => {
    expect(guards.authenticate('compute:h1', 'compute@h1', undefined, true)).toBe(true);
    expect(guards.authenticate('compute:h1', 'compute@h1', undefined, false)).toBe(false);
    expect(guards.authenticate('compute:h2', 'compute@h1', undefined, true)).toBe(false);
    expect(guards.authenticate('compute:h9', 'compute@h9', undefined, true)).toBe(false);
    expect(guards.authenticate('api!fra1:x', 'cell@api', undefined, true)).toBe(false);
  });
});
