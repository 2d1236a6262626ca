/**
 * Setting image properties, shared by create and PATCH: core properties are checked against Glance's
 * schema (formats, visibility, non-negative sizes, read-only fields 403), anything else becomes an
 * additional (string) property. Publishing an image is for admins only.
 */
import { BadRequest, Conflict, Forbidden } from '../../../runtime/errors/index.ts';
import type { Image, ImageVisibility } from '../db/index.ts';
import type { ImageCaller } from './policy.ts';
import { CONTAINER_FORMATS, DISK_FORMATS, READ_ONLY } from './views.ts';

const VISIBILITIES: ImageVisibility[] = ['public', 'private', 'shared', 'community'];

function nonNegativeInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BadRequest(`Invalid value for ${name}: ${JSON.stringify(v)}`);
  return v;
}

function isVisibility(v: unknown): v is ImageVisibility {
  return VISIBILITIES.some((x) => x === v);
}

/** null, or one of `formats` (disk and container formats may be unset until upload). */
function isFormatOrNull(v: unknown, formats: readonly string[]): v is string | null {
  return v === null || (typeof v === 'string' && formats.includes(v));
}

/** Glance's tags: strings of at most 255 characters. */
function isTagList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((t) => typeof t === 'string' && t.length <= 255);
}

/** Set (or, with `remove`, drop) one property. */
export function applyProperty(img: Image, name: string, value: unknown, caller: ImageCaller, opts: { creating: boolean; remove?: boolean }): void {
  if (READ_ONLY.has(name) && !(opts.creating && name === 'id')) throw new Forbidden(`Attribute '${name}' is read-only.`);
  if (name.startsWith('os_glance')) throw new Forbidden(`Attribute '${name}' is reserved.`);
  if (opts.remove) {
    if (['name', 'visibility', 'protected', 'min_ram', 'min_disk', 'disk_format', 'container_format', 'tags'].includes(name)) {
      throw new Forbidden(`Attribute '${name}' is required and cannot be removed.`);
    }
    if (!Object.hasOwn(img.properties, name)) throw new Conflict(`Property ${name} does not exist.`);
    delete img.properties[name];
    return;
  }
  switch (name) {
    case 'id':
      return;
    case 'name':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) throw new BadRequest('Invalid value for name');
      img.name = value;
      return;
    case 'visibility':
      if (!isVisibility(value)) throw new BadRequest(`Invalid visibility value: ${String(value)}`);
      if (value === 'public' && !caller.isAdmin) throw new Forbidden('You are not authorized to complete publicize_image action.');
      img.visibility = value;
      return;
    case 'protected':
      if (typeof value !== 'boolean') throw new BadRequest('Invalid value for protected');
      img.protected = value;
      return;
    case 'min_ram':
      img.minRam = nonNegativeInt(name, value);
      return;
    case 'min_disk':
      img.minDisk = nonNegativeInt(name, value);
      return;
    case 'disk_format':
      if (!isFormatOrNull(value, DISK_FORMATS)) throw new BadRequest(`Invalid disk format '${String(value)}' for image.`);
      img.diskFormat = value;
      return;
    case 'container_format':
      if (!isFormatOrNull(value, CONTAINER_FORMATS)) throw new BadRequest(`Invalid container format '${String(value)}' for image.`);
      img.containerFormat = value;
      return;
    case 'tags':
      if (!isTagList(value)) throw new BadRequest('Invalid value for tags');
      img.tags = [...new Set(value)];
      return;
    case 'os_hidden':
      if (typeof value !== 'boolean') throw new BadRequest('Invalid value for os_hidden');
      return;
    default:
      if (typeof value !== 'string' || name.length > 255 || value.length > 65535) {
        throw new BadRequest(`Invalid value for additional property '${name}': must be a string`);
      }
      img.properties[name] = value;
  }
}

