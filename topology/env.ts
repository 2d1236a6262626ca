/**
 * `${ENV_VAR}` references in string values, so secrets (user passwords, broker credentials, database
 * URLs) stay out of the file. `${VAR:-fallback}` uses the fallback when VAR is unset or empty, as in a
 * shell. Substitution happens before validation, so a substituted URL is checked like a literal one.
 * `$${X}` stays as the literal text `${X}`.
 */
import type { PathIssue, PathSegment } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const REF = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substitute(s: string, env: Env, path: PathSegment[], issues: PathIssue[]): string {
  if (!s.includes('${')) return s;
  return s.replace(REF, (whole, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) return whole.slice(1);
    const v = env[name];
    if (fallback !== undefined && (v === undefined || v === '')) return fallback;
    if (v === undefined) {
      issues.push({ path, message: `environment variable ${name} is not set (referenced as \${${name}})` });
      return whole;
    }
    return v;
  });
}

/** A copy of `data` with references replaced; copies rather than mutates because YAML aliases share objects. */
export function substituteEnv(data: unknown, env: Env, issues: PathIssue[], path: PathSegment[] = []): unknown {
  if (typeof data === 'string') return substitute(data, env, path, issues);
  if (Array.isArray(data)) return data.map((v, i) => substituteEnv(v, env, issues, [...path, i]));
  if (data !== null && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) {
      // defineProperty, so a key spelt "__proto__" stays a key (and is then rejected as unknown).
      Object.defineProperty(out, k, { value: substituteEnv(v, env, issues, [...path, k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return data;
}
