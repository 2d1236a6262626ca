/**
 * Debian's Chromium driven by puppeteer-core (no browser download) for the dashboard's browser tests:
 * a 1280×800 page that records console errors and page errors, and screenshots saved as artifacts
 * under $NOVACELL_ARTIFACTS (default ./artifacts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const ARTIFACTS = process.env['NOVACELL_ARTIFACTS'] ?? join(import.meta.dirname, '..', '..', 'artifacts');

export interface BrowserPage {
  browser: Browser;
  page: Page;
  errors: string[];
  screenshot(name: string): Promise<string>;
}

export async function openPage(): Promise<BrowserPage> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM!, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${(e as Error).message}`));
  return {
    browser, page, errors,
    async screenshot(name) {
      const dir = join(ARTIFACTS, 'dashboard');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
  };
}

/** Log in through the dashboard's form. */
export async function login(page: Page, url: string, user: string, password: string, project: string): Promise<void> {
  await page.goto(`${url}/dashboard/`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#login input[name=username]', { visible: true });
  const fill = async (name: string, value: string) => {
    await page.$eval(`#login input[name=${name}]`, (el, v) => ((el as HTMLInputElement).value = v), value);
  };
  await fill('username', user);
  await fill('password', password);
  await fill('project', project);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#app-view:not([hidden])');
}

export async function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => el.textContent ?? '');
}
