/**
 * Named supervision policies for nact actors. A policy decides what happens to an actor whose message
 * handler threw something that is not an expected (Nova) error: keep going, start afresh, or stop.
 */
import type { SupervisionContext, Ref } from 'nact';

export type SupervisionPolicyName = 'resume' | 'restart' | 'stop' | 'escalate';

/** nact's directives, as its supervision context carries them (any actor's: they do not depend on its messages). */
type Directives = Pick<SupervisionContext<unknown, Ref<unknown>>, 'resume' | 'reset' | 'stop' | 'escalate'>;
/** What an onCrash handler returns to nact. */
export type Directive = Directives['resume'];

/** Map a policy name to nact's directive. `restart` = nact's reset: the state is rebuilt from its factory. */
export function supervisionDirective(policy: SupervisionPolicyName, ctx: Directives): Directive {
  switch (policy) {
    case 'resume':
      return ctx.resume;
    case 'restart':
      return ctx.reset;
    case 'stop':
      return ctx.stop;
    case 'escalate':
      return ctx.escalate;
  }
}
