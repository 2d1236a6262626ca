/**
 * The Bus port: cast / call / subscribe on topics, with correlation ids and timeouts. Two transports
 * implement it: MQTT (an aedes broker per cell, mqtt.js clients, QoS 1, persistent sessions) and an
 * in-memory hub (unit tests, the simulator). Every message received is validated against its schema;
 * a malformed one is logged and rejected (a call gets an InvalidMessage error back), never thrown.
 */
import type { WireError } from '../errors/index.ts';

/**
 * Who a request is for — Nova's RequestContext on the wire, beside the request id: set by the API from
 * the caller's token and passed on by every hop, so each service records and logs the same user and
 * project. It says whom a request is *for*; who *sent* a message is what the transport authenticated.
 */
export interface WireContext {
  userId: string;
  projectId: string;
  roles?: string[];
}

/** What travels on the wire. `type` + `v` select the schema of `body`. */
export interface Envelope<B = unknown> {
  type: string;
  v: number;
  /** Message id, unique per message (deterministic uuid from the sender's Rng). */
  id: string;
  /** Request id (`req-<uuid>`) carried from the API down to the hypervisor. */
  reqId?: string;
  context?: WireContext;
  /** Set on calls: the topic where the reply must go. */
  replyTo?: string;
  /** Set on calls and their replies. */
  corrId?: string;
  body: B;
}

/** The reply to a call: `{type: 'reply', v: 1, body: {ok, result | error}}`. */
export type ReplyBody = { ok: true; result: unknown } | { ok: false; error: WireError };

export interface OutgoingMessage<B = unknown> {
  type: string;
  /** Schema version; defaults to the newest registered for the type (or 1). */
  v?: number;
  reqId?: string;
  context?: WireContext;
  body: B;
  /**
   * The body is the sender's to give away: made of what it received (already a wire copy) and fresh
   * values, and kept by nobody after the send. A trusted in-process transport then passes it on instead
   * of copying it again (the envelope around it is still copied); a wire transport ignores this.
   */
  handOver?: boolean;
}

export interface CallOptions {
  /** Milliseconds before the call fails with MessagingTimeout (default 60 000, Nova's rpc_response_timeout). */
  timeoutMs?: number;
}

export interface MessageContext {
  /** Topic the message arrived on. */
  topic: string;
}

/**
 * A subscriber. For a call, the returned value (or thrown NovaError) is sent back as the reply; for a
 * cast it is ignored (a thrown error is logged).
 */
export type Handler = (msg: Envelope, ctx: MessageContext) => unknown | Promise<unknown>;

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface Bus {
  /** Client id on the broker; replies to this client's calls go to `replyTopic(clientId)`. */
  readonly clientId: string;
  /** Fire and forget (QoS 1: delivered at least once). Resolves when the broker has accepted it. */
  cast(topic: string, msg: OutgoingMessage): Promise<void>;
  /** Request/response with a correlation id. Rejects with the remote NovaError or MessagingTimeout. */
  call<R = unknown>(topic: string, msg: OutgoingMessage, opts?: CallOptions): Promise<R>;
  /** Subscribe to a topic pattern (MQTT wildcards `+` and `#` allowed). */
  subscribe(pattern: string, handler: Handler): Promise<Subscription>;
  /** True while the transport is connected. */
  connected(): boolean;
  /** Called each time the link comes back after being down (not on the first connect). */
  onReconnect?(cb: () => void): void;
  close(): Promise<void>;
}

/** Does an MQTT topic pattern (with + and #) match a topic? Walks both strings level by level, allocating nothing. */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  let p = 0; // start of the current level in pattern
  let t = 0; // start of the current level in topic (topic.length + 1 once its levels are used up)
  for (;;) {
    let pe = pattern.indexOf('/', p);
    if (pe < 0) pe = pattern.length;
    const single = pe - p === 1;
    if (single && pattern.charCodeAt(p) === 35 /* # */) return true;
    if (t > topic.length) return false;
    let te = topic.indexOf('/', t);
    if (te < 0) te = topic.length;
    if (!(single && pattern.charCodeAt(p) === 43 /* + */) && !sameLevel(pattern, p, pe, topic, t, te)) return false;
    if (pe === pattern.length) return te === topic.length;
    p = pe + 1;
    t = te + 1;
  }
}

function sameLevel(a: string, as: number, ae: number, b: string, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a.charCodeAt(as + i) !== b.charCodeAt(bs + i)) return false;
  return true;
}

export function replyTopic(prefix: string, clientId: string): string {
  return `${prefix}/reply/${clientId}`;
}
