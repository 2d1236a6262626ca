/**
 * Who sees and changes an image (Glance's default policy): public and community images are visible
 * to everyone, private and shared ones to their owner; admins see and change everything; only the
 * owner (or an admin) changes an image, and only an admin publishes one.
 */
import type { Image } from '../db/index.ts';

export interface ImageCaller {
  projectId: string | undefined;
  isAdmin: boolean;
}

export function imageVisibleTo(img: Image, c: ImageCaller): boolean {
  if (img.status === 'deleted') return false;
  if (c.isAdmin) return true;
  if (img.visibility === 'public' || img.visibility === 'community') return true;
  return img.owner !== null && img.owner === c.projectId;
}

export function imageWritableBy(img: Image, c: ImageCaller): boolean {
  return c.isAdmin || (img.owner !== null && img.owner === c.projectId);
}
