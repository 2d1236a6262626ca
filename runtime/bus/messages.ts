/**
 * The message registry: one zod schema per (type, version). Modules that own a message define it here at
 * load time with `defineMessage`; every bus validates what it receives against this registry.
 */
import { z } from 'zod';
import type { Envelope } from './bus.ts';
import { errorMessage } from '../errors/index.ts';

export const envelopeSchema = z.object({
  type: z.string().min(1).max(128),
  v: z.number().int().positive(),
  id: z.string().min(1).max(128),
  reqId: z.string().max(128).optional(),
  context: z
    .object({ userId: z.string().max(255), projectId: z.string().max(255), roles: z.array(z.string().max(255)).max(64).optional() })
    .optional(),
  replyTo: z.string().max(512).optional(),
  corrId: z.string().max(128).optional(),
  body: z.unknown(),
});

export const replySchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ name: z.string(), code: z.number(), message: z.string() }),
  }),
]);

export class MessageRegistry {
  private readonly schemas = new Map<string, z.ZodType>();
  private readonly newest = new Map<string, number>();
  /** Schema → the (type, version) it was defined as, so handler tables can be keyed by the definition. */
  private readonly defs = new WeakMap<z.ZodType, { type: string; v: number }>();

  constructor() {
    this.define('reply', 1, replySchema);
  }

  define<S extends z.ZodType>(type: string, v: number, schema: S): S {
    const had = this.defs.get(schema);
    if (had && (had.type !== type || had.v !== v)) throw new Error(`one schema defined as both ${had.type} v${had.v} and ${type} v${v}`);
    this.defs.set(schema, { type, v });
    this.schemas.set(`${type}@${v}`, schema);
    if ((this.newest.get(type) ?? 0) < v) this.newest.set(type, v);
    return schema;
  }

  /** The message type a schema was defined as (undefined for a schema never passed to define). */
  definitionOf(schema: z.ZodType): { type: string; v: number } | undefined {
    return this.defs.get(schema);
  }

  newestVersion(type: string): number {
    return this.newest.get(type) ?? 1;
  }

  /**
   * Parse raw bytes/JSON text into a validated envelope. Returns an error string instead of throwing,
   * with the envelope's routing fields when they could be read (so a call can still be answered).
   */
  decode(raw: string | Uint8Array): { ok: true; msg: Envelope } | { ok: false; error: string; partial?: Partial<Envelope> } {
    let data: unknown;
    try {
      data = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
    } catch (e) {
      return { ok: false, error: `not JSON: ${errorMessage(e)}` };
    }
    return this.decodeValue(data);
  }

  /** `decode` of what JSON.parse already made of the text (an envelope of a batch: see publish-batch.ts). */
  decodeValue(data: unknown): { ok: true; msg: Envelope } | { ok: false; error: string; partial?: Partial<Envelope> } {
    let msg = plainEnvelope(data);
    if (msg === undefined) {
      const env = envelopeSchema.safeParse(data);
      if (!env.success) {
        return { ok: false, error: `bad envelope: ${z.prettifyError(env.error)}`, partial: routingFields(data) };
      }
      msg = env.data;
    }
    const schema = this.schemas.get(`${msg.type}@${msg.v}`);
    if (!schema) return { ok: false, error: `unknown message type ${msg.type} v${msg.v}`, partial: msg };
    const body = schema.safeParse(msg.body);
    if (!body.success) {
      return { ok: false, error: `invalid ${msg.type} v${msg.v}: ${z.prettifyError(body.error)}`, partial: msg };
    }
    msg.body = body.data;
    return { ok: true, msg };
  }
}

/**
 * The envelope as `envelopeSchema` would parse it, checked by hand for the common case (every field of
 * the right type and length, `body` present): the same object (the schema's fields in its order, unknown
 * ones dropped) without zod's generic walk. Undefined for anything else, which the schema then judges
 * (and explains). It accepts nothing the schema refuses: a test checks both on fuzzed envelopes.
 */
export function plainEnvelope(x: unknown): Envelope | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const d = x as Record<string, unknown>;
  const { type, v, id, reqId, context, replyTo, corrId } = d;
  if (!str(type, 1, 128) || typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0 || !str(id, 1, 128) || !('body' in d) || d.body === undefined) return undefined;
  const env: Envelope = { type, v, id } as Envelope;
  if (reqId !== undefined) {
    if (!str(reqId, 0, 128)) return undefined;
    env.reqId = reqId;
  }
  if (context !== undefined) {
    if (typeof context !== 'object' || context === null || Array.isArray(context)) return undefined;
    const c = context as Record<string, unknown>;
    if (!str(c.userId, 0, 255) || !str(c.projectId, 0, 255)) return undefined;
    const out: NonNullable<Envelope['context']> = { userId: c.userId, projectId: c.projectId };
    if (c.roles !== undefined) {
      const roles = c.roles;
      if (!Array.isArray(roles) || roles.length > 64) return undefined;
      for (const r of roles) if (!str(r, 0, 255)) return undefined;
      out.roles = [...(roles as string[])];
    }
    env.context = out;
  }
  if (replyTo !== undefined) {
    if (!str(replyTo, 0, 512)) return undefined;
    env.replyTo = replyTo;
  }
  if (corrId !== undefined) {
    if (!str(corrId, 0, 128)) return undefined;
    env.corrId = corrId;
  }
  env.body = d.body;
  return env;
}

function str(x: unknown, min: number, max: number): x is string {
  return typeof x === 'string' && x.length >= min && x.length <= max;
}

/**
 * Decode without validation, for a transport whose every sender is this process's own code (the
 * simulator's in-memory cells): validation happened where the data entered the process. The JSON copy
 * stays, so sender and receiver never share an object, exactly as over the wire.
 */
export function decodeTrusted(raw: string | Uint8Array): { ok: true; msg: Envelope } | { ok: false; error: string; partial?: Partial<Envelope> } {
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch (e) {
    return { ok: false, error: `not JSON: ${errorMessage(e)}` };
  }
  // The shape only (no schema): cheap, and what a reader of the envelope relies on.
  if (!isEnvelope(data)) return { ok: false, error: 'bad envelope: not a message', partial: routingFields(data) };
  return { ok: true, msg: data };
}

/** The envelope's shape (no schema). */
export function isEnvelope(x: unknown): x is Envelope {
  return typeof x === 'object' && x !== null && 'type' in x && typeof x.type === 'string' && 'v' in x && typeof x.v === 'number' &&
    'id' in x && typeof x.id === 'string' && 'body' in x;
}

/** The routing fields of something that is not a valid envelope, those that are strings (to answer a call). */
function routingFields(x: unknown): Partial<Envelope> | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    type: 'type' in x ? str(x.type) : undefined,
    corrId: 'corrId' in x ? str(x.corrId) : undefined,
    replyTo: 'replyTo' in x ? str(x.replyTo) : undefined,
    reqId: 'reqId' in x ? str(x.reqId) : undefined,
  };
}

/** The process-wide registry that modules define their messages in. */
export const messages = new MessageRegistry();

export function defineMessage<S extends z.ZodType>(type: string, v: number, schema: S): S {
  return messages.define(type, v, schema);
}
