/**
 * Checking the JSON the server sends against the shapes of web/shared/model.ts. The browser gets
 * these modules one by one, unbundled, so it has no zod: these few combinators build type guards,
 * and `object<T>` makes the compiler hold each field's check to the field's declared type.
 */
import type { DashCapacity, DashCell, DashHost, DashInstance, InstanceDetail, ServerMessage, Snapshot } from '../shared/model.ts';

export type Guard<T> = (x: unknown) => x is T;

export const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const str: Guard<string> = (x): x is string => typeof x === 'string';
const num: Guard<number> = (x): x is number => typeof x === 'number';
const bool: Guard<boolean> = (x): x is boolean => typeof x === 'boolean';

function literal<const L extends string>(...ls: L[]): Guard<L> {
  return (x): x is L => ls.some((l) => l === x);
}
function nullable<T>(g: Guard<T>): Guard<T | null> {
  return (x): x is T | null => x === null || g(x);
}
function optional<T>(g: Guard<T>): Guard<T | undefined> {
  return (x): x is T | undefined => x === undefined || g(x);
}
function array<T>(g: Guard<T>): Guard<T[]> {
  return (x): x is T[] => Array.isArray(x) && x.every(g);
}
function record<T>(g: Guard<T>): Guard<Record<string, T>> {
  return (x): x is Record<string, T> => isRecord(x) && Object.values(x).every(g);
}
function oneOf<A, B>(a: Guard<A>, b: Guard<B>): Guard<A | B> {
  return (x): x is A | B => a(x) || b(x);
}
/** An object whose every field passes its check (extra fields are allowed, as JSON.parse leaves them). */
export function object<T extends object>(shape: { [K in keyof T]-?: Guard<T[K]> }): Guard<T> {
  return (x): x is T => {
    if (!isRecord(x)) return false;
    for (const k in shape) if (!shape[k](x[k])) return false;
    return true;
  };
}

const capacity = object<DashCapacity>({
  vcpus: num, vcpusFree: num, memoryMb: num, memoryMbFree: num, diskGb: num, diskGbFree: num, hostsUp: num, hosts: num,
});

const cell = object<DashCell>({
  path: str, name: str, parent: nullable(str), depth: num, role: literal('api', 'intermediate', 'leaf'),
  description: nullable(str),
  site: nullable(object<NonNullable<DashCell['site']>>({ ref: str, lat: num, lon: num, description: nullable(str) })),
  link: nullable(literal('up', 'muted', 'down')), muted: bool, adminMuted: bool, lastHeardS: nullable(num), answered: bool,
  capacity, units: record(num), hosts: object<DashCell['hosts']>({ up: num, down: num, disabled: num }),
  instances: record(num), buildsPerMin: num,
});

const host = object<DashHost>({
  host: str, cell: str, state: literal('up', 'down', 'unknown'), disabled: bool, disabledReason: nullable(str),
  vcpus: num, vcpusUsed: num, memoryMb: num, memoryMbUsed: num, localGb: num, localGbUsed: num, runningVms: num,
});

const instanceFields = {
  uuid: str, name: str, cell: nullable(str), host: nullable(str), vmState: str, taskState: nullable(str), flavor: str,
  projectId: str, createdAt: num,
};
const instance = object<DashInstance>(instanceFields);

const snapshot = object<Snapshot>({
  at: num, cells: array(cell), hosts: array(host), instances: array(instance), instancesOmitted: num,
  totals: object<Snapshot['totals']>({ instances: num, buildsPerMin: num }),
});

export const isServerMessage: Guard<ServerMessage> = oneOf(
  object<Extract<ServerMessage, { type: 'snapshot' }>>({ type: literal('snapshot'), seq: num, snapshot }),
  object<Extract<ServerMessage, { type: 'error' }>>({ type: literal('error'), message: str }),
);

type Action = InstanceDetail['actions'][number];
export const isInstanceDetail = object<InstanceDetail>({
  instance: object<InstanceDetail['instance']>({
    ...instanceFields, powerState: num, fault: nullable(object<{ code: number; message: string }>({ code: num, message: str })),
  }),
  path: array(str),
  actions: array(object<Action>({
    action: str, requestId: str, startTime: num, finishTime: nullable(num), message: nullable(str),
    events: array(object<Action['events'][number]>({
      event: str, startTime: num, finishTime: nullable(num), result: nullable(str), host: nullable(str),
    })),
  })),
});

/** GET /dashboard/api/session: the user and project when logged in, `{}` when not. */
export const isSession = object<{ user?: string; project?: string }>({ user: optional(str), project: optional(str) });
