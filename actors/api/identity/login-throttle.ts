/**
 * LoginThrottle: password failures counted per (user, source address), as Keystone's
 * `[security_compliance] lockout_failure_attempts` / `lockout_duration` count them per user — keyed
 * by source too, so an attacker cannot lock a real user out from elsewhere. Once a pair reaches the
 * limit, its attempts are refused with a 429 and Retry-After before any password hashing, so a flood
 * of wrong passwords neither guesses on nor slows the real logins. One success clears the pair.
 */
import type { Clock } from '../../../runtime/clock/index.ts';
import { HttpError } from '../../../runtime/http/index.ts';

export interface LoginThrottleOptions {
  clock: Clock;
  /** Failures allowed within `lockoutSeconds` before attempts are refused (0 turns the throttle off). */
  failureAttempts: number;
  /** Seconds a (user, source) pair stays refused after its last counted failure. */
  lockoutSeconds: number;
  /** Pairs remembered at most; the oldest are forgotten first (bounds memory under a spray). */
  maxTracked?: number;
}

interface Failures {
  count: number;
  last: number;
}

export class TooManyLoginAttempts extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(429, `Too many failed authentication attempts for this user from this address; retry in ${retryAfterSeconds} s.`,
      { 'Retry-After': String(retryAfterSeconds) });
  }
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly maxTracked: number;

  constructor(private readonly opts: LoginThrottleOptions) {
    this.maxTracked = opts.maxTracked ?? 100_000;
  }

  /** Throws TooManyLoginAttempts while the pair is locked out. */
  check(user: string, source: string): void {
    if (this.opts.failureAttempts <= 0) return;
    const f = this.failures.get(key(user, source));
    if (!f) return;
    const until = f.last + this.opts.lockoutSeconds * 1000;
    const now = this.opts.clock.now();
    if (now >= until) {
      this.failures.delete(key(user, source));
      return;
    }
    if (f.count >= this.opts.failureAttempts) throw new TooManyLoginAttempts(Math.max(1, Math.ceil((until - now) / 1000)));
  }

  failed(user: string, source: string): void {
    if (this.opts.failureAttempts <= 0) return;
    const k = key(user, source);
    const f = this.failures.get(k) ?? { count: 0, last: 0 };
    this.failures.delete(k); // re-inserted last: Map order is then oldest-failure first
    this.failures.set(k, { count: f.count + 1, last: this.opts.clock.now() });
    while (this.failures.size > this.maxTracked) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(user: string, source: string): void {
    this.failures.delete(key(user, source));
  }

  get tracked(): number {
    return this.failures.size;
  }
}

function key(user: string, source: string): string {
  return `${source}\u0000${user}`;
}
