/**
 * Handler tables: the one way a service dispatches what arrives on its topic (as aedes keys its
 * handlers by packet type). Each entry is keyed by a message definition — the schema `defineMessage`
 * returned — so its handler gets the typed body with no cast, and each entry states who may send it:
 * `allow(sender, body)` sees the sender principal that the transport authenticated, never a field the
 * sender wrote. A message no entry handles is rejected with BadRequest (logged as today); a message
 * its sender may not send is logged with the principal and dropped — a call is answered Forbidden, a
 * cast is not applied.
 */
import type { z } from 'zod';
import { BadRequest, Forbidden } from '../errors/index.ts';
import type { Envelope, Handler, MessageContext } from './bus.ts';
import type { BusLogger } from './bus-log.ts';
import { messages, type MessageRegistry } from './messages.ts';

/** `true`: allowed; a string: why it is not. */
export type Verdict = true | string;

/** One message as a handler sees it: the envelope, where it arrived, and who sent it. */
export interface Delivery<S> {
  msg: Envelope;
  topic: string;
  sender: S;
}

export interface HandlerEntry<B, S> {
  allow: (sender: S, body: B) => Verdict;
  handle: (body: B, d: Delivery<S>) => unknown;
}

export interface HandlerTableOptions<S> {
  /** Who is dispatching, for log lines and errors (`conductor api!eu!fra1`). */
  name: string;
  /** The authenticated sender of a delivery (undefined: unknown, every message is denied). */
  senderOf: (ctx: MessageContext) => S | undefined;
  describe: (s: S) => string;
  log: BusLogger;
  registry?: MessageRegistry;
}

/** Anyone the transport let publish on the topic may send it. */
export const anySender = (): Verdict => true;

export class HandlerTable<S> {
  private readonly entries = new Map<string, HandlerEntry<unknown, S>>();

  constructor(private readonly o: HandlerTableOptions<S>) {}

  on<Sch extends z.ZodType>(def: Sch, entry: HandlerEntry<z.infer<Sch>, S>): this {
    const d = (this.o.registry ?? messages).definitionOf(def);
    if (!d) throw new Error(`${this.o.name}: a handler table entry needs a schema made by defineMessage`);
    const key = `${d.type}@${d.v}`;
    if (this.entries.has(key)) throw new Error(`${this.o.name}: two handlers for ${d.type} v${d.v}`);
    this.entries.set(key, entry as HandlerEntry<unknown, S>);
    return this;
  }

  /** The bus handler serving this table. */
  handler(): Handler {
    return (msg, ctx) => this.dispatch(msg, ctx);
  }

  dispatch(msg: Envelope, ctx: MessageContext): unknown {
    const entry = this.entries.get(`${msg.type}@${msg.v}`);
    if (!entry) throw new BadRequest(`${this.o.name} does not handle ${msg.type} v${msg.v}`);
    const sender = this.o.senderOf(ctx);
    const verdict = sender === undefined ? 'the sender is unknown' : judge(() => entry.allow(sender, msg.body));
    if (verdict === true) return entry.handle(msg.body, { msg, topic: ctx.topic, sender: sender! });
    const principal = sender === undefined ? 'unknown' : this.o.describe(sender);
    this.o.log.warn(
      { principal, type: msg.type, topic: ctx.topic, request_id: msg.reqId, reason: verdict },
      `${this.o.name}: ${msg.type} from ${principal} denied`,
    );
    if (msg.replyTo !== undefined && msg.corrId !== undefined) throw new Forbidden(`${msg.type} is not allowed from ${principal}: ${verdict}`);
    return undefined;
  }
}

/** A rule that throws denies: a bug in a rule must not open the door. */
function judge(rule: () => Verdict): Verdict {
  try {
    const v = rule();
    return v === true ? true : typeof v === 'string' ? v : 'denied';
  } catch (e) {
    return `the rule failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}
