/**
 * Remote consoles end to end with a real guest: `novacell up` (a QEMU host, the four proxies), the
 * guest image registered with the openstack CLI, and the URLs `openstack console url show` prints
 * opened by real clients — Chromium (Debian's, via puppeteer-core) for noVNC and SPICE-HTML5, a
 * websocket client for serial, a raw TCP client for XVP. Typing on the noVNC console makes the guest
 * print a marker that `openstack console log show` then shows; screenshots go to
 * test-results/consoles/. Bad, expired and deleted-server tokens are refused. One guest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NovacellUp, ROOT } from '../support/novacell-up.ts';
import { findOpenstackCli } from '../support/openstack-cli.ts';
import { guestImage } from '../support/guest-image.ts';
import { until } from '../support/waits.ts';

const CLI = findOpenstackCli();
const CHROMIUM = '/usr/bin/chromium';
const QEMU = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const READY = !!CLI && QEMU && existsSync(CHROMIUM) && existsSync('/usr/share/novnc/vnc_lite.html') && existsSync('/usr/share/spice-html5/spice_auto.html');
const TITLE = READY
  ? 'consoles of a real QEMU guest in Chromium, over websockets and raw TCP'
  : 'consoles of a real QEMU guest (SKIPPED: needs openstack CLI, qemu-system-x86, chromium, novnc, spice-html5)';
const ARTIFACTS = join(ROOT, 'test-results', 'consoles');

/** Keys that need Shift on a US keyboard, and the key pressed with it (puppeteer would send the unshifted one). */
const SHIFTED: ReadonlyMap<string, string> = new Map([
  ['$', 'Digit4'], ['(', 'Digit9'], [')', 'Digit0'], ['*', 'Digit8'], ['>', 'Period'], ['<', 'Comma'], ['_', 'Minus'],
  ['+', 'Equal'], ['"', 'Quote'], [':', 'Semicolon'], ['|', 'Backslash'], ['!', 'Digit1'], ['&', 'Digit7'],
]);

async function typeOnConsole(page: Page, text: string): Promise<void> {
  for (const ch of text) {
    const shifted = SHIFTED.get(ch) ?? (/[A-Z]/.test(ch) ? `Key${ch}` : undefined);
    if (shifted) {
      await page.keyboard.down('Shift');
      await page.keyboard.press(shifted as 'KeyA');
      await page.keyboard.up('Shift');
    } else {
      await page.keyboard.press((ch === ' ' ? 'Space' : ch) as 'KeyA');
    }
  }
  await page.keyboard.press('Enter');
}

const tokenOf = (url: string) => {
  const u = new URL(url);
  return (u.searchParams.get('token') ?? decodeURIComponent(u.searchParams.get('path') ?? '').replace('?token=', ''));
};

/** Open a websocket; resolves with what it received by then, or the HTTP status it was refused with. */
function wsTry(url: string): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['binary']);
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: 0 }));
  });
}

describe.skipIf(!READY)(TITLE, { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'novacell-consoles-e2e-'));
  const home = mkdtempSync(join(tmpdir(), 'novacell-consoles-home-'));
  const up = new NovacellUp(join(ROOT, 'test', 'fixtures', 'topology', 'consoles.yaml'), dataDir, home, CLI ?? '');
  let browser: Browser;
  let id = '';
  let expiring = '';
  let expiringIssuedAt = 0;
  const url = async (kind: string, ...extra: string[]) => (await up.json<{ url: string }>(...extra, 'console', 'url', 'show', kind, 'vm1')).url;

  beforeAll(async () => {
    guestImage();
    mkdirSync(ARTIFACTS, { recursive: true });
    await up.start();
    await up.script('register-guest-image.sh');
    const s = await up.json<{ id: string; status: string }>('server', 'create', '--flavor', 'm1.nano', '--image', 'novacell-guest', '--wait', 'vm1');
    id = s.id;
    expect(s.status).toBe('ACTIVE');
    await until('the guest shell', async () => (await up.openstack('console', 'log', 'show', 'vm1')).includes('=== novacell guest'), 120_000);
    expiring = await url('--novnc');
    expiringIssuedAt = performance.now();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    const pidFile = join(dataDir, 'instances', 'qemu01', id, 'qemu.pid');
    if (id && existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id)) process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('noVNC: the printed URL reaches "Connected"; a command typed on the console prints a marker the console log shows', async () => {
    const novnc = await url('--novnc');
    expect(novnc).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/);
    const page = await browser.newPage();
    const t0 = performance.now();
    await page.goto(novnc);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Connected'), { timeout: 60_000 });
    process.stderr.write(`[e2e consoles] noVNC Connected in ${Math.round(performance.now() - t0)} ms\n`);
    expect(await page.$eval('#status', (e) => e.textContent)).toBe('Connected to QEMU (vm1)');
    await page.click('#screen');
    await page.keyboard.press('Enter');
    await typeOnConsole(page, 'echo "NOVNC-MARK-$((6*7))" > /dev/ttyS0');
    const log = await until('the marker in the console log', async () => {
      const out = await up.openstack('console', 'log', 'show', 'vm1');
      return out.includes('NOVNC-MARK-42') ? out : undefined;
    }, 60_000);
    expect(log).toContain('NOVNC-MARK-42');
    await page.screenshot({ path: join(ARTIFACTS, 'novnc.png') });
    await page.close();
  });

  it('SPICE-HTML5: the printed URL shows the guest screen (a non-blank canvas)', async () => {
    const spice = await url('--spice');
    expect(spice).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/spice_auto\.html\?token=[0-9a-f-]{36}$/);
    const page = await browser.newPage();
    await page.goto(spice);
    const colours = await until('a non-blank SPICE canvas', async () => {
      const n = await page.evaluate(() => {
        const c = document.querySelector('#spice-screen canvas') as HTMLCanvasElement | null;
        if (!c || c.width === 0) return 0;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 16) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        return seen.size;
      });
      return n > 1 ? n : undefined;
    }, 60_000);
    expect(colours).toBeGreaterThan(1);
    await page.screenshot({ path: join(ARTIFACTS, 'spice.png') });
    await page.close();
  });

  it('serial: a websocket client types into the guest shell and reads its answer', async () => {
    const serial = await url('--serial');
    expect(serial).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f-]{36}$/);
    const { ws } = await wsTry(serial);
    expect(ws).toBeDefined();
    let got = '';
    ws!.on('message', (d) => { got += d.toString(); });
    ws!.send(Buffer.from('\necho SERIAL-$((40+2))\n'));
    await until('the guest answering on the serial websocket', () => got.includes('SERIAL-42'), 30_000);
    ws!.close();
  });

  it('XVP: CONNECT with the token over raw TCP, then the guest\'s VNC server speaks RFB', async () => {
    const xvp = await url('--xvpvnc', '--os-compute-api-version', '2.5');
    const u = new URL(xvp);
    expect(u.pathname).toBe('/console');
    const s = connect(Number(u.port), u.hostname);
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); });
    s.write(`CONNECT /console?token=${tokenOf(xvp)} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    await until('the RFB greeting through XVP', () => got.includes('RFB 003.008\n'), 30_000);
    expect(got.toString('latin1').startsWith('HTTP/1.1 200 OK\r\n\r\nRFB 003.008\n')).toBe(true);
    s.write('RFB 003.008\n');
    await until('the security types', () => got.length >= 19 + 12 + 2, 30_000);
    expect(got[31]).toBeGreaterThan(0);
    s.destroy();
  });

  it('refuses a bad token, an expired token and a deleted server\'s token', async () => {
    const novnc = new URL(await url('--novnc'));
    const base = `ws://${novnc.host}/`;
    expect((await wsTry(`${base}?token=00000000-0000-4000-8000-000000000000`)).status).toBe(403);
    // token_ttl is 20 s in this topology (long enough for a browser to load a page with a fresh token):
    // the token issued before the other tests has expired by now or soon.
    const wait = 21_000 - (performance.now() - expiringIssuedAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    expect((await wsTry(`${base}?token=${tokenOf(expiring)}`)).status).toBe(403);
    const live = tokenOf(await url('--novnc'));
    const ok = await wsTry(`${base}?token=${live}`);
    expect(ok.status).toBe(101);
    ok.ws!.terminate();
    await up.openstack('server', 'delete', '--wait', 'vm1');
    expect((await wsTry(`${base}?token=${live}`)).status).toBe(403);
  });
});
