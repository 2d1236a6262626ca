/**
 * Screenshots of a simulation report for the docs: the whole page and each section (summary, faults,
 * headroom, every chart) as PNGs, taken with Debian's Chromium through puppeteer-core.
 *
 *   npx tsx scripts/screenshot-report.ts results/geo/report.html docs/img/sim-geo
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [report, outDir] = process.argv.slice(2);
if (!report || !outDir) {
  process.stderr.write('usage: screenshot-report.ts <report.html> <output directory>\n');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 800 });
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load' });
  await page.screenshot({ path: `${outDir}/page.png`, fullPage: true });
  const sections = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent ?? ''));
  for (const [i, title] of sections.entries()) {
    const name = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    if (name === 'files') continue;
    const box = await page.evaluate((k) => {
      const h = document.querySelectorAll('h2')[k]!;
      const next = document.querySelectorAll('h2')[k + 1];
      const top = h.getBoundingClientRect().top + window.scrollY;
      const bottom = next ? next.getBoundingClientRect().top + window.scrollY : document.body.scrollHeight;
      return { x: 0, y: top - 8, width: document.body.scrollWidth, height: bottom - top };
    }, i);
    await page.screenshot({ path: `${outDir}/${name}.png`, clip: box, captureBeyondViewport: true });
    process.stdout.write(`${outDir}/${name}.png\n`);
  }
} finally {
  await browser.close();
}
