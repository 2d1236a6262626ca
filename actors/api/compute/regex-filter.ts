/**
 * The `name` and `ip` server filters are regular expressions in Nova (re.search against the column).
 * User patterns run on RE2 — linear time, no backtracking — so `^(a+)+$` cannot stall the process;
 * patterns are capped in length, and one RE2 cannot compile (back-references, look-around) is a 400.
 */
import RE2 from 're2';
import { BadRequest } from '../../../runtime/errors/index.ts';

/** Longest pattern accepted: a server name is at most 255 characters, so no useful pattern is longer. */
export const MAX_FILTER_PATTERN = 255;

/** A search predicate for `pattern` (unanchored, like Python's re.search), or BadRequest. */
export function regexFilter(field: string, pattern: string): (value: string) => boolean {
  if (pattern.length > MAX_FILTER_PATTERN) {
    throw new BadRequest(`Invalid regular expression for ${field} filter: longer than ${MAX_FILTER_PATTERN} characters`);
  }
  let re: RE2;
  try {
    re = new RE2(pattern, 'u');
  } catch {
    throw new BadRequest(`Invalid regular expression for ${field} filter: ${pattern}`);
  }
  return (value) => re.test(value);
}
