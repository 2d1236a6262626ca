/**
 * Service actors: a Nova service (conductor, scheduler, compute manager, ...) is a plain object with
 * methods, hosted by a nact actor that feeds it one message at a time and supervises it. `ask` returns
 * the method's result; `tell` fires and forgets. Errors that are NovaErrors are answers, not crashes;
 * anything else crashes the actor and its supervision policy decides (a `restart` rebuilds the service
 * from its factory, as a restarted nova-compute re-reads its state).
 */
import nact from 'nact';
import type { Ref } from 'nact';
import { NovaError, errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { WorkPort } from '../clock/work.ts';
import { supervisionDirective, type SupervisionPolicyName } from './supervision.ts';

interface ServiceMsg {
  method: string;
  args: unknown[];
  resolve?: (v: unknown) => void;
  reject?: (e: unknown) => void;
}

/** A typed reference to a service actor. */
export interface ServiceRef<S> {
  readonly name: string;
  readonly ref: Ref<ServiceMsg>;
  /** Where each message counts as work from dispatch until its handler is done (virtual clocks). */
  readonly work?: WorkPort;
  /** Phantom field carrying the service type. */
  readonly __service?: S;
}

type Methods<S> = { [K in keyof S]: S[K] extends (...args: never[]) => unknown ? K : never }[keyof S] & string;
type Args<S, K extends keyof S> = S[K] extends (...args: infer A) => unknown ? A : never;
type Result<S, K extends keyof S> = S[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

export interface SpawnServiceOptions {
  policy?: SupervisionPolicyName;
  /**
   * Methods whose returned promise does not hold up the mailbox: the actor runs their synchronous part
   * (where they change state) in turn, then moves on while they wait for I/O (a database commit, a
   * cast). Their answer still reaches the asker. Failures after the first await are logged.
   */
  pipelined?: ReadonlySet<string>;
  log?: Logger;
  /** Called after a crash, with the error, before the policy applies (metrics, tests). */
  onCrash?: (err: unknown) => void;
  /** The clock's work port: a message is work from `ask`/`tell` until its handler is done. */
  work?: WorkPort;
}

/** Spawn an actor hosting the service built by `factory` (called again on restart). */
export function spawnService<S extends object>(
  parent: Ref<unknown>,
  name: string,
  factory: () => S,
  opts: SpawnServiceOptions = {},
): ServiceRef<S> {
  const policy = opts.policy ?? 'restart';
  const ref = nact.spawn(parent, serviceHandler(name, factory, opts), name, { onCrash: crashHandler(name, policy, opts) });
  return { name, ref, work: opts.work };
}

/*
 * The handlers below are built by functions that return anonymous arrows, not declared as named
 * closures inside spawnService: tsx compiles with esbuild's keepNames, which gives every named closure
 * a `defineProperty` of its name and a property dictionary (~250 bytes) — per service actor, that is
 * per compute host, 10^5 of them in the large simulation.
 */

/**
 * The actor's behaviour: build the service on the first message (and after a restart), then call its
 * method. The message stops counting as work when its handler is done, crash or not (the `finally`).
 */
function serviceHandler<S extends object>(name: string, factory: () => S, opts: SpawnServiceOptions) {
  const work = opts.work;
  return async (state: S | undefined, msg: ServiceMsg): Promise<S> => {
    try {
      const svc = state ?? factory();
      // Looked up by name (the message came through the mailbox), so checked before it is called.
      const fn: unknown = Reflect.get(svc, msg.method);
      if (typeof fn !== 'function') {
        msg.reject?.(new NovaError(`${name} has no method ${msg.method}`));
        return svc;
      }
      let result: unknown;
      try {
        result = Reflect.apply(fn, svc, msg.args);
        if (result instanceof Promise && opts.pipelined?.has(msg.method)) {
          result.then(
            (v) => msg.resolve?.(v),
            (e) => {
              if (!(e instanceof NovaError)) opts.log?.error({ err: e, actor: name, method: msg.method }, 'pipelined call failed');
              msg.reject?.(e instanceof NovaError ? e : new NovaError(`${name}.${msg.method} failed: ${errorMessage(e)}`));
            },
          );
          return svc;
        }
        result = await result;
      } catch (e) {
        if (e instanceof NovaError) {
          msg.reject?.(e);
          return svc;
        }
        throw e;
      }
      msg.resolve?.(result);
      return svc;
    } finally {
      work?.end();
    }
  };
}

/** After a crash: log it, fail the message's asker, and let the supervision policy decide. */
function crashHandler(name: string, policy: SupervisionPolicyName, opts: SpawnServiceOptions) {
  return (msg: ServiceMsg | undefined, err: Error | undefined, ctx: Parameters<typeof supervisionDirective>[1]) => {
    opts.log?.error({ err, actor: name, method: msg?.method, policy }, 'service actor crashed');
    opts.onCrash?.(err);
    msg?.reject?.(err instanceof Error ? new NovaError(`${name} crashed: ${err.message}`) : err);
    return supervisionDirective(policy, ctx);
  };
}

/** Call a method on a service actor and wait for its result. */
export function ask<S, K extends Methods<S>>(svc: ServiceRef<S>, method: K, ...args: Args<S, K>): Promise<Result<S, K>> {
  return new Promise((resolve, reject) => {
    svc.work?.begin();
    nact.dispatch(svc.ref, { method, args, resolve: resolve as (v: unknown) => void, reject });
  });
}

/** Send a method call to a service actor without waiting. Failures are logged by the actor. */
export function tell<S, K extends Methods<S>>(svc: ServiceRef<S>, method: K, ...args: Args<S, K>): void {
  svc.work?.begin();
  nact.dispatch(svc.ref, { method, args });
}
