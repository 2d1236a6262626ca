/**
 * The browser side of the dashboard, served from web/client with no build step: TypeScript modules
 * are turned into JavaScript by esbuild (the transformer tsx itself runs on) on first request and
 * kept in memory; imports between them stay `./x.ts` URLs the browser fetches in turn. Only files
 * found in web/client at start-up are served (a fixed list, so no request path reaches the disk).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';

const CLIENT = join(import.meta.dirname, '..', 'client');
const TYPES: Record<string, string> = {
  '.ts': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export interface Asset {
  type: string;
  body: string;
}

export class Assets {
  private readonly files = new Map<string, string>();
  private readonly cache = new Map<string, Asset>();

  constructor(dir = CLIENT) {
    for (const name of readdirSync(dir)) {
      const ext = name.slice(name.lastIndexOf('.'));
      if (Object.hasOwn(TYPES, ext)) this.files.set(name, join(dir, name));
    }
  }

  async get(name: string): Promise<Asset | undefined> {
    const file = this.files.get(name);
    if (!file) return undefined;
    const hit = this.cache.get(name);
    if (hit) return hit;
    const ext = name.slice(name.lastIndexOf('.'));
    const text = readFileSync(file, 'utf8');
    const body = ext === '.ts'
      ? (await transform(text, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: name })).code
      : text;
    const asset = { type: TYPES[ext]!, body };
    this.cache.set(name, asset);
    return asset;
  }
}
