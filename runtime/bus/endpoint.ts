/**
 * The transport-independent half of a bus client: envelopes out, validation in, handler dispatch,
 * call/reply correlation and timeouts. A transport (MQTT, in-memory hub) supplies `publish` and feeds
 * every received payload to `receive`; both transports therefore behave identically above the wire.
 */
import type { Clock, TimerHandle } from '../clock/index.ts';
import { errorMessage, fromWire, InvalidMessage, MessagingTimeout, NovaError } from '../errors/index.ts';
import type { RandomStream } from '../rng/index.ts';
import {
  topicMatches,
  type CallOptions,
  type Envelope,
  type Handler,
  type MessageContext,
  type OutgoingMessage,
  type ReplyBody,
} from './bus.ts';
import type { BusLogger } from './bus-log.ts';
import { decodeTrusted, isEnvelope, type MessageRegistry } from './messages.ts';
import { jsonCopy } from './json-copy.ts';
import { MAX_BATCH_ENVELOPES } from './mqtt/publish-batch.ts';

/** What a transport carries: JSON text, or (a trusted in-process hub) the envelope as JSON would rebuild it. */
export type Payload = string | Envelope;

/** Nova's rpc_response_timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** Messages kept for handlers not yet subscribed (a persistent session replays before the app subscribes). */
export const DEFAULT_MAX_PARKED = 10_000;
/** Topic → handlers memo; cleared when it grows past this (topics are usually a small set). */
const MATCH_CACHE_LIMIT = 10_000;

export interface EndpointOptions {
  clientId: string;
  clock: Clock;
  rng: RandomStream;
  registry: MessageRegistry;
  log: BusLogger;
  /** Where replies to this client's calls arrive. */
  replyTopic: string;
  /** Hand a serialised envelope to the transport; resolves when the broker accepted it. */
  publish: (topic: string, payload: Payload) => Promise<void>;
  maxParked?: number;
  /**
   * Every sender is trusted code in this process: skip schema validation on receipt (see decodeTrusted)
   * and hand envelopes over as objects (a `jsonCopy` taken at send time) instead of JSON text.
   */
  trusted?: boolean;
  /**
   * Who sent what arrives on `topic` (the transport authenticated it: see cells/security) and which
   * reply topics `…/reply/<id>` are its own. A call whose `replyTo` is not one of them is refused: a
   * sender must not make this client publish to a topic of its choosing. Without it a call's reply
   * may go to any client's reply topic on this broker, and nowhere else.
   */
  replySender?: ReplySenderOf;
}

/** The authenticated sender of a call, for the replyTo check. */
export interface ReplySender {
  /** For log lines (`compute@h1`). */
  principal: string;
  /** Is `…/reply/<id>` this sender's reply topic? */
  ownsReplyId(id: string): boolean;
}
export type ReplySenderOf = (topic: string) => ReplySender | undefined;

interface PendingCall {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

interface Registration {
  pattern: string;
  handler: Handler;
}

export class BusEndpoint {
  private readonly pending = new Map<string, PendingCall>();
  private registrations: Registration[] = [];
  private readonly patternRefs = new Map<string, number>();
  private readonly matchCache = new Map<string, Registration[]>();
  private parked: { topic: string; msg: Envelope }[] = [];
  private parkedOverflowWarned = false;
  private readonly maxParked: number;

  /** `<prefix>/reply/`: the only topics a reply is ever published to. */
  private readonly replySpace: string;

  constructor(private readonly o: EndpointOptions) {
    this.maxParked = o.maxParked ?? DEFAULT_MAX_PARKED;
    const at = o.replyTopic.lastIndexOf('/reply/');
    this.replySpace = at < 0 ? `${o.replyTopic}/` : o.replyTopic.slice(0, at + '/reply/'.length);
  }

  cast(topic: string, msg: OutgoingMessage): Promise<void> {
    let payload: Payload;
    try {
      payload = this.encode(msg, this.o.rng.uuid4());
    } catch (e) {
      return Promise.reject(e);
    }
    return this.o.publish(topic, payload);
  }

  call<R>(topic: string, msg: OutgoingMessage, opts?: CallOptions): Promise<R> {
    const id = this.o.rng.uuid4();
    let payload: Payload;
    try {
      payload = this.encode(msg, id, this.o.replyTopic);
    } catch (e) {
      return Promise.reject(e);
    }
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    return new Promise<R>((resolve, reject) => {
      // The timer is armed synchronously so a virtual clock advanced right after call() fires it.
      const timer = this.o.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new MessagingTimeout(`Timed out waiting for a reply to message ID ${id} (${msg.type} on ${topic})`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      this.o.publish(topic, payload).catch((err: unknown) => this.settle(id, undefined, asNovaError(err)));
    });
  }

  /**
   * Add a handler. Returns true when it is the first one for this exact pattern (the transport must
   * subscribe at the broker). Parked messages that match are replayed at once, in arrival order.
   */
  addHandler(pattern: string, handler: Handler): boolean {
    const reg = { pattern, handler };
    this.registrations = [...this.registrations, reg];
    this.matchCache.clear();
    const refs = (this.patternRefs.get(pattern) ?? 0) + 1;
    this.patternRefs.set(pattern, refs);
    this.replayParked(pattern);
    return refs === 1;
  }

  /** Returns true when the last handler for this exact pattern went (the transport must unsubscribe). */
  removeHandler(pattern: string, handler: Handler): boolean {
    const i = this.registrations.findIndex((r) => r.pattern === pattern && r.handler === handler);
    if (i < 0) return false;
    this.registrations = this.registrations.filter((_, j) => j !== i);
    this.matchCache.clear();
    const refs = (this.patternRefs.get(pattern) ?? 1) - 1;
    if (refs > 0) {
      this.patternRefs.set(pattern, refs);
      return false;
    }
    this.patternRefs.delete(pattern);
    return true;
  }

  /** Every payload the transport receives comes here. Never throws. */
  receive(topic: string, raw: Payload | Uint8Array): void {
    try {
      // `[`: a batch of envelopes (mqtt/publish-batch.ts), each judged on its own.
      if (typeof raw === 'string' && !this.o.trusted && raw.charCodeAt(0) === 0x5b) this.receiveBatch(topic, raw);
      else {
        this.accept(topic, typeof raw === 'object' && !(raw instanceof Uint8Array)
          ? this.o.trusted && isEnvelope(raw) ? { ok: true as const, msg: raw } : { ok: false as const, error: 'bad envelope: an object from an untrusted transport', partial: undefined }
          : this.o.trusted ? decodeTrusted(raw) : this.o.registry.decode(raw));
      }
    } catch (e) {
      this.failed(topic, e);
    }
  }

  private receiveBatch(topic: string, text: string): void {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      this.rejectMalformed(topic, `not JSON: ${errorMessage(e)}`, undefined);
      return;
    }
    if (!Array.isArray(data) || data.length === 0 || data.length > MAX_BATCH_ENVELOPES) {
      this.rejectMalformed(topic, `bad batch: not an array of 1 to ${MAX_BATCH_ENVELOPES} envelopes`, undefined);
      return;
    }
    for (const x of data) {
      try {
        this.accept(topic, this.o.registry.decodeValue(x));
      } catch (e) {
        this.failed(topic, e);
      }
    }
  }

  /** One decoded envelope: refused if malformed, else a reply to its call or a message for the handlers. */
  private accept(topic: string, d: ReturnType<MessageRegistry['decode']>): void {
    if (!d.ok) this.rejectMalformed(topic, d.error, d.partial);
    else if (topic === this.o.replyTopic) this.onReply(d.msg);
    else this.dispatch(topic, d.msg);
  }

  private failed(topic: string, e: unknown): void {
    this.o.log.error({ clientId: this.o.clientId, topic, err: e }, 'bus: failed to process a message');
  }

  /** Fail every call still waiting (the bus is closing). */
  failPending(err: NovaError): void {
    for (const [id, p] of this.pending) {
      this.o.clock.clearTimer(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }

  pendingCalls(): number {
    return this.pending.size;
  }

  private encode(msg: OutgoingMessage, id: string, replyTo?: string, corrId = replyTo ? id : undefined): Payload {
    const env: Envelope = {
      type: msg.type,
      v: msg.v ?? this.o.registry.newestVersion(msg.type),
      id,
      reqId: msg.reqId,
      ...(msg.context ? { context: msg.context } : {}),
      replyTo,
      corrId,
      body: msg.body,
    };
    if (!this.o.trusted) return JSON.stringify(env);
    if (!msg.handOver) return jsonCopy(env) as Envelope;
    const out = jsonCopy({ ...env, body: null }) as Envelope;
    out.body = msg.body;
    return out;
  }

  private dispatch(topic: string, msg: Envelope): void {
    const regs = this.handlersFor(topic);
    if (regs.length === 0) {
      this.park(topic, msg);
      return;
    }
    const ctx: MessageContext = { topic };
    const isCall = msg.replyTo !== undefined && msg.corrId !== undefined;
    if (msg.replyTo !== undefined && !this.replyToAllowed(topic, msg.type, msg.replyTo)) return;
    for (let i = 0; i < regs.length; i++) {
      // For a call, the first handler subscribed answers; any others only observe it.
      const answer = isCall && i === 0;
      runHandler(regs[i]!.handler, msg, ctx, (err, result) => {
        if (answer) this.sendReply(msg, err !== undefined ? { ok: false, error: asNovaError(err).toWire() } : { ok: true, result });
        else if (err instanceof NovaError && err.code < 500) {
          // The sender's fault (a type this topic does not serve, a refused request): a warning without a
          // stack, so a client cannot fill the error log.
          this.o.log.warn({ clientId: this.o.clientId, topic, type: msg.type, error: err.message }, 'bus: cast refused');
        } else if (err !== undefined) this.o.log.error({ clientId: this.o.clientId, topic, type: msg.type, err }, 'bus: handler failed');
      });
    }
  }

  private onReply(msg: Envelope): void {
    if (msg.type !== 'reply' || msg.corrId === undefined) {
      this.o.log.warn({ clientId: this.o.clientId, type: msg.type }, 'bus: non-reply message on the reply topic dropped');
      return;
    }
    const body = msg.body;
    if (!isReplyBody(body)) {
      this.settle(msg.corrId, undefined, new InvalidMessage('Invalid message: a reply without ok and result or error'));
      return;
    }
    if (body.ok) this.settle(msg.corrId, body.result, undefined);
    else this.settle(msg.corrId, undefined, fromWire(body.error));
  }

  private settle(corrId: string, result: unknown, err: Error | undefined): void {
    const p = this.pending.get(corrId);
    if (!p) {
      this.o.log.debug({ clientId: this.o.clientId, corrId }, 'bus: reply for a call no longer waiting');
      return;
    }
    this.pending.delete(corrId);
    this.o.clock.clearTimer(p.timer);
    if (err) p.reject(err);
    else p.resolve(result);
  }

  private rejectMalformed(topic: string, error: string, partial: Partial<Envelope> | undefined): void {
    this.o.log.warn({ clientId: this.o.clientId, topic, error }, 'bus: malformed message rejected');
    const corrId = typeof partial?.corrId === 'string' ? partial.corrId : undefined;
    if (!corrId) return;
    const invalid = new InvalidMessage(`Invalid message: ${error}`);
    if (topic === this.o.replyTopic) {
      this.settle(corrId, undefined, invalid);
    } else if (typeof partial?.replyTo === 'string' && partial.type !== 'reply' && this.replyToAllowed(topic, partial.type, partial.replyTo)) {
      // Answer the caller so it does not wait for its timeout.
      this.sendReply(
        { replyTo: partial.replyTo, corrId, reqId: typeof partial.reqId === 'string' ? partial.reqId : undefined },
        { ok: false, error: invalid.toWire() },
      );
    }
  }

  private sendReply(to: Pick<Envelope, 'replyTo' | 'corrId' | 'reqId'>, body: ReplyBody): void {
    let payload: Payload;
    try {
      // JSON has no undefined: a handler that returns nothing answers null.
      const b = body.ok ? { ok: true, result: body.result ?? null } : body;
      payload = this.encode({ type: 'reply', v: 1, reqId: to.reqId, body: b }, this.o.rng.uuid4(), undefined, to.corrId);
    } catch (e) {
      const err = new NovaError(`Reply could not be serialised: ${errorMessage(e)}`);
      payload = this.encode({ type: 'reply', v: 1, reqId: to.reqId, body: { ok: false, error: err.toWire() } }, this.o.rng.uuid4(), undefined, to.corrId);
    }
    this.o.publish(to.replyTo!, payload).catch((err: unknown) =>
      this.o.log.warn({ clientId: this.o.clientId, replyTo: to.replyTo, err }, 'bus: reply not sent'),
    );
  }

  /**
   * A reply goes only to the reply topic of the client that sent the call: `<prefix>/reply/<id>` on
   * this broker, one level, no wildcard, and (with replySender) an id of the sender's own. Anything
   * else is a forged replyTo: the message is dropped (its handler does not run) and logged.
   */
  private replyToAllowed(topic: string, type: unknown, replyTo: string): boolean {
    const id = replyTo.startsWith(this.replySpace) ? replyTo.slice(this.replySpace.length) : '';
    const wellFormed = id.length > 0 && !/[\/+#\u0000]/.test(id);
    const sender = this.o.replySender?.(topic);
    if (wellFormed && (!this.o.replySender || sender?.ownsReplyId(id))) return true;
    this.o.log.warn(
      { clientId: this.o.clientId, topic, type: typeof type === 'string' ? type : undefined, replyTo, principal: sender?.principal ?? 'unknown' },
      'bus: call refused: its reply topic is not the sender\'s own',
    );
    return false;
  }

  private handlersFor(topic: string): Registration[] {
    let regs = this.matchCache.get(topic);
    if (!regs) {
      regs = this.registrations.filter((r) => topicMatches(r.pattern, topic));
      if (this.matchCache.size >= MATCH_CACHE_LIMIT) this.matchCache.clear();
      this.matchCache.set(topic, regs);
    }
    return regs;
  }

  private park(topic: string, msg: Envelope): void {
    this.parked.push({ topic, msg });
    if (this.parked.length > this.maxParked) {
      this.parked.shift();
      if (!this.parkedOverflowWarned) {
        this.parkedOverflowWarned = true;
        this.o.log.warn({ clientId: this.o.clientId, max: this.maxParked }, 'bus: messages for unsubscribed topics are being dropped');
      }
    }
  }

  private replayParked(pattern: string): void {
    if (this.parked.length === 0) return;
    const due = this.parked.filter((p) => topicMatches(pattern, p.topic));
    if (due.length === 0) return;
    this.parked = this.parked.filter((p) => !topicMatches(pattern, p.topic));
    for (const p of due) this.dispatch(p.topic, p.msg);
  }
}

function asNovaError(err: unknown): NovaError {
  if (err instanceof NovaError) return err;
  return new NovaError(err instanceof Error ? err.message : String(err));
}

/**
 * Run a handler, catching synchronous throws and rejected promises alike (`throw undefined` included).
 * (No named closure per call here: tsx compiles with esbuild's keepNames, which gives each one a
 * `defineProperty` of its name, ~0.3 µs and a property dictionary per message.)
 */
function runHandler(
  handler: Handler,
  msg: Envelope,
  ctx: MessageContext,
  done: (err: unknown, result: unknown) => void,
): void {
  let r: unknown;
  try {
    r = handler(msg, ctx);
  } catch (e) {
    finishHandler(done, true, e);
    return;
  }
  if (isThenable(r)) {
    r.then(
      (v) => finishHandler(done, false, v),
      (e: unknown) => finishHandler(done, true, e),
    );
  } else {
    finishHandler(done, false, r);
  }
}

function finishHandler(done: (err: unknown, result: unknown) => void, failed: boolean, value: unknown): void {
  try {
    done(failed ? (value ?? new Error('handler failed without an error')) : undefined, failed ? undefined : value);
  } catch {
    // `done` only logs and publishes; nothing more can be done if that fails.
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && 'then' in x && typeof x.then === 'function';
}

/** The shape of a reply's body (the registry checked it against replySchema, unless the transport is trusted). */
function isReplyBody(x: unknown): x is ReplyBody {
  if (typeof x !== 'object' || x === null || !('ok' in x)) return false;
  if (x.ok === true) return true;
  if (x.ok !== false || !('error' in x)) return false;
  const e = x.error;
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' && 'code' in e && typeof e.code === 'number' &&
    'message' in e && typeof e.message === 'string';
}
