/**
 * Personality (file injection) in POST /servers and in the rebuild action, both until 2.57 removed it
 * from both: one schema (Nova's parameter_types.personality: a list of {path, contents}, contents
 * base64, nothing else) and one quota check (injected_files; injected_file_path_bytes and
 * injected_file_content_bytes per file), so create and rebuild accept and refuse the same personality
 * with the same messages.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkCount } from './quota-usage.ts';
import { base64String, sharedAttribute } from './validation.ts';
import { since } from './version.ts';

export const personalitySchema = sharedAttribute('personality', z.array(z.object({ path: z.string(), contents: base64String }).strict()));

export type Personality = z.output<typeof personalitySchema>;

/** Microversions before 2.57 have personality; from 2.57 it is an unexpected attribute (create and rebuild alike). */
export function hasPersonality(request: FastifyRequest): boolean {
  return !since(request, '2.57');
}

/** 403 when the files are too many, or a path or a (decoded) content too long, for the project's quota. */
export function checkPersonalityQuota(limits: Record<string, number>, personality: Personality | undefined): void {
  const files = personality ?? [];
  checkCount(limits, 'injected_files', 0, files.length);
  for (const p of files) {
    checkCount(limits, 'injected_file_path_bytes', 0, Buffer.byteLength(p.path));
    checkCount(limits, 'injected_file_content_bytes', 0, Buffer.from(p.contents, 'base64').length);
  }
}
