/** The image registry (Glance's images), kept in memory and written through as JSON records. */
import type { Db } from '../../../runtime/db/index.ts';
import type { Image } from './types.ts';

export class ImageRepo {
  private readonly byId = new Map<string, Image>();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('images').select()) {
      const img = JSON.parse(String(r.record)) as Image;
      this.byId.set(img.id, img);
    }
  }

  get(id: string): Image | undefined {
    return this.byId.get(id);
  }

  /** Every image, oldest first (callers sort as their API does). */
  all(): Image[] {
    return [...this.byId.values()];
  }

  async save(img: Image): Promise<Image> {
    const isNew = !this.byId.has(img.id);
    this.byId.set(img.id, img);
    if (isNew) await this.db('images').insert({ id: img.id, record: JSON.stringify(img) });
    else await this.db('images').where({ id: img.id }).update({ record: JSON.stringify(img) });
    return img;
  }

  async delete(id: string): Promise<void> {
    this.byId.delete(id);
    await this.db('images').where({ id }).delete();
  }
}
