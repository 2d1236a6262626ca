/**
 * MemoryHub: an in-process stand-in for an MQTT broker, for unit tests and the simulator. It keeps a
 * persistent session per client id (subscriptions survive a disconnect and QoS-1 messages queue while
 * the client is away), routes with MQTT wildcards, and delivers asynchronously in send order. A payload
 * is JSON text, or (trusted clients of the simulator) an envelope object that the sender copied; a
 * message for several sessions gives each but the last its own copy, as each would parse its own.
 */
import type { Clock } from '../clock/index.ts';
import { topicMatches } from './bus.ts';
import type { Payload } from './endpoint.ts';
import { jsonCopy } from './json-copy.ts';

/** The receiving side of a hub client. */
export interface HubClient {
  deliver(topic: string, payload: Payload): void;
  /** Another client attached with the same id (MQTT session takeover). */
  sessionTakenOver(): void;
}

interface Session {
  readonly clientId: string;
  client: HubClient | undefined;
  readonly patterns: Set<string>;
  /** Messages routed to the session while no client was attached, in arrival order. */
  queue: QueuedMessage[];
}

interface QueuedMessage {
  topic: string;
  payload: Payload;
}

/** A message ready for a session, or (no msg) a reminder to flush the session's backlog. */
interface ReadyEntry {
  session: Session;
  msg?: QueuedMessage;
}

/** Topics whose routes are remembered at most (a hub sees a few per client: its host, reply and link topics). */
const MAX_ROUTES = 50_000;

const isWildcard = (pattern: string): boolean => pattern.includes('+') || pattern.includes('#');

export class MemoryHub {
  private readonly sessions = new Map<string, Session>();
  /** Exact topics are looked up directly; only wildcard patterns are scanned per publish. */
  private readonly exact = new Map<string, Set<Session>>();
  private readonly wildcard = new Map<string, Set<Session>>();
  /** Sessions by topic as last routed; forgotten whenever a subscription changes (and when it grows large). */
  private readonly routes = new Map<string, Session[]>();
  private readonly ready: ReadyEntry[] = [];
  private drainScheduled = false;

  /** Attach a client to its session, creating (or, when `clean`, replacing) it; queued messages follow. */
  attach(clientId: string, client: HubClient, clean = false): void {
    let s = this.sessions.get(clientId);
    if (s && clean) {
      this.discard(s);
      if (s.client && s.client !== client) s.client.sessionTakenOver();
      s = undefined;
    }
    if (!s) {
      s = { clientId, client: undefined, patterns: new Set(), queue: [] };
      this.sessions.set(clientId, s);
    }
    if (s.client && s.client !== client) s.client.sessionTakenOver();
    s.client = client;
    if (s.queue.length > 0) this.schedule({ session: s });
  }

  /** Detach a client. The session (subscriptions, queue) stays unless `clean`. */
  detach(clientId: string, client: HubClient, clean = false): void {
    const s = this.sessions.get(clientId);
    // A client that lost its session to a takeover must not detach (or clean) the new owner.
    if (!s || (s.client !== undefined && s.client !== client)) return;
    s.client = undefined;
    if (clean) this.discard(s);
  }

  subscribe(clientId: string, pattern: string): void {
    const s = this.sessions.get(clientId);
    if (!s || s.patterns.has(pattern)) return;
    s.patterns.add(pattern);
    this.routes.clear();
    const index = isWildcard(pattern) ? this.wildcard : this.exact;
    let set = index.get(pattern);
    if (!set) index.set(pattern, (set = new Set()));
    set.add(s);
  }

  unsubscribe(clientId: string, pattern: string): void {
    const s = this.sessions.get(clientId);
    if (!s || !s.patterns.delete(pattern)) return;
    this.unindex(s, pattern);
  }

  /**
   * Route a message to every session subscribed to `topic` (once per session, however many of its
   * patterns match). With `delayMs > 0` delivery waits on `clock`; otherwise it follows in a microtask.
   */
  publish(topic: string, payload: Payload, delayMs = 0, clock?: Clock): void {
    const targets = this.route(topic);
    if (targets.length === 0) return;
    if (delayMs > 0 && clock) clock.setTimeout(() => this.enqueueAll(targets, topic, payload), delayMs);
    else this.enqueueAll(targets, topic, payload);
  }

  /** Messages waiting for a detached client (0 for an unknown id). */
  queuedFor(clientId: string): number {
    return this.sessions.get(clientId)?.queue.length ?? 0;
  }

  hasSession(clientId: string): boolean {
    return this.sessions.has(clientId);
  }

  private route(topic: string): Session[] {
    const known = this.routes.get(topic);
    if (known) return known;
    const out = new Set<Session>(this.exact.get(topic));
    for (const [pattern, sessions] of this.wildcard) {
      if (topicMatches(pattern, topic)) for (const s of sessions) out.add(s);
    }
    const targets = [...out];
    if (this.routes.size >= MAX_ROUTES) this.routes.clear();
    this.routes.set(topic, targets);
    return targets;
  }

  /** Each target gets its own copy of an envelope object but the last, which takes the sender's. */
  private enqueueAll(targets: Session[], topic: string, payload: Payload): void {
    const last = targets.length - 1;
    for (let i = 0; i <= last; i++) {
      this.enqueue(targets[i]!, topic, i === last || typeof payload === 'string' ? payload : (jsonCopy(payload) as Payload));
    }
  }

  private enqueue(s: Session, topic: string, payload: Payload): void {
    if (this.sessions.get(s.clientId) !== s) return; // session discarded meanwhile
    this.schedule({ session: s, msg: { topic, payload } });
  }

  private schedule(entry: ReadyEntry): void {
    this.ready.push(entry);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  /** Deliver everything ready now; what is published during delivery waits for the next microtask. */
  private drain(): void {
    this.drainScheduled = false;
    const batch = this.ready.splice(0, this.ready.length);
    for (const { session: s, msg } of batch) {
      if (this.sessions.get(s.clientId) !== s) continue;
      // A backlog from while the client was away goes first, so each client sees send order.
      if (s.client && s.queue.length > 0) this.flushBacklog(s);
      if (!msg) continue;
      // A client that went away since routing gets it on reconnect, as a QoS-1 session would.
      if (s.client && s.queue.length === 0) this.deliver(s.client, msg);
      else s.queue.push(msg);
    }
  }

  private flushBacklog(s: Session): void {
    let i = 0;
    while (i < s.queue.length && s.client) this.deliver(s.client, s.queue[i++]!);
    s.queue = s.queue.slice(i);
  }

  private deliver(client: HubClient, msg: QueuedMessage): void {
    try {
      client.deliver(msg.topic, msg.payload);
    } catch {
      // A receiver must not stop delivery to the others; bus clients never throw here.
    }
  }

  private discard(s: Session): void {
    for (const p of s.patterns) this.unindex(s, p);
    s.patterns.clear();
    s.queue = [];
    this.sessions.delete(s.clientId);
  }

  private unindex(s: Session, pattern: string): void {
    this.routes.clear();
    const index = isWildcard(pattern) ? this.wildcard : this.exact;
    const set = index.get(pattern);
    set?.delete(s);
    if (set?.size === 0) index.delete(pattern);
  }
}
