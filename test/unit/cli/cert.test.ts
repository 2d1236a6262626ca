/**
 * `novacell cert` and the TLS logins as an operator meets them: clear usage errors (exit 2) for a
 * missing CA, an unknown name or a missing certificate file, and `issue` issuing only what is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { certInit, certIssue } from '../../../cli/cert.ts';
import { brokerLogin, loadPlan, requireCell } from '../../../cli/deployment.ts';
import { UsageError } from '../../../cli/usage-error.ts';

let dir: string;
let topology: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-cert-cli-'));
  topology = join(dir, 't.yaml');
  writeFileSync(topology, `version: 1
name: t
data_dir: ${join(dir, 'data')}
broker_tls: {mode: mutual}
cell:
  name: api
  broker: {port: 21883}
  children:
    - name: fra1
      broker: {port: 21884}
      hosts: [{names: "h1", vcpus: 4, memory_mb: 8192, disk_gb: 100}]
`);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('novacell cert', () => {
  it('says to run cert init when there is no CA', async () => {
    await expect(certIssue({ topology, name: [] })).rejects.toThrow(UsageError);
    await expect(certIssue({ topology, name: [] })).rejects.toThrow(/novacell cert init/);
  });

  it('refuses a name the topology does not need', async () => {
    await certInit({ topology });
    await expect(certIssue({ topology, name: ['compute@h9'] })).rejects.toThrow(/needs no certificate "compute@h9"/);
  });

  it('issues only what is missing unless forced', async () => {
    await certInit({ topology });
    const out = vi.mocked(process.stdout.write);
    await certIssue({ topology, name: [] });
    expect(out.mock.calls.at(-1)![0]).toMatch(/^5 certificate\(s\) issued/);
    await certIssue({ topology, name: [] });
    expect(out.mock.calls.at(-1)![0]).toMatch(/^0 certificate\(s\) issued/);
    await certIssue({ topology, name: ['compute@h1'], force: true });
    expect(out.mock.calls.at(-1)![0]).toMatch(/^1 certificate\(s\) issued/);
  });

  it("names the missing file and the command when a principal's certificate is not there", async () => {
    await certInit({ topology });
    const fra1 = requireCell(loadPlan(topology), 'api!fra1');
    expect(() => brokerLogin(fra1, { kind: 'compute', host: 'h1' }, '')).toThrow(/compute@h1\.crt is missing.*novacell cert issue/);
    await certIssue({ topology, name: ['compute@h1'] });
    const login = brokerLogin(fra1, { kind: 'compute', host: 'h1' }, '');
    expect(login).toMatchObject({ url: 'mqtts://127.0.0.1:21884', username: 'compute@h1', password: '' });
    expect(login.tls!().cert.toString()).toMatch(/BEGIN CERTIFICATE/);
  });
});
