/**
 * Named supervision policies for nact actors. A policy decides what happens to an actor whose message
 * handler threw something that is not an expected (Nova) error: keep going, start afresh, or stop.
 */
import type { SupervisionContext, Ref } from 'nact';

export type SupervisionPolicyName = 'resume' | 'restart' | 'stop' | 'escalate';

type Ctx = SupervisionContext<unknown, Ref<unknown>>;

/** Map a policy name to nact's directive. `restart` = nact's reset: the state is rebuilt from its factory. */
export function supervisionDirective(policy: SupervisionPolicyName, ctx: Ctx): symbol {
  switch (policy) {
    case 'resume':
      return ctx.resume as symbol;
    case 'restart':
      return ctx.reset as symbol;
    case 'stop':
      return ctx.stop as symbol;
    case 'escalate':
      return ctx.escalate as symbol;
  }
}
