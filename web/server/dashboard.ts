/**
 * The dashboard on the API cell's HTTP server, under /dashboard: the page and its modules, login and
 * logout, instance details, the admin actions (disable a host, mute a child cell), and the websocket
 * that streams snapshots. While a browser is connected the tree is walked every `statusIntervalMs`
 * and the hosts asked every third round; instance changes are pushed within a quarter second.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { HttpServer } from '../../runtime/http/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { TopologyPlan } from '../../topology/index.ts';
import type { AuthContext, IdentityService } from '../../actors/api/identity/index.ts';
import type { ApiCell } from '../../cells/tree/api-cell.ts';
import type { InstanceDetail } from '../shared/model.ts';
import { Assets } from './assets.ts';
import { loginBody, sessionOf, setSessionCookie } from './auth.ts';
import { LiveHub } from './live.ts';
import { SnapshotBuilder } from './snapshot.ts';
import { errorMessage } from '../../runtime/errors/index.ts';

export interface DashboardOptions {
  plan: TopologyPlan;
  apiCell: ApiCell;
  identity: IdentityService;
  clock: Clock;
  log: Logger;
  statusIntervalMs?: number;
  /** Mark the session cookie Secure (behind TLS). */
  secureCookie?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Request bodies of the admin actions (`reason` is used when it is a string of at most 255 characters). */
const disabledBody = z.object({ disabled: z.boolean(), reason: z.unknown() });
const mutedBody = z.object({ muted: z.boolean() });

function fault(reply: FastifyReply, code: number, name: string, message: string) {
  return reply.code(code).send({ [name]: { code, message } });
}

export function mountDashboard(app: HttpServer, o: DashboardOptions): { hub: LiveHub } {
  const assets = new Assets();
  const builder = new SnapshotBuilder(o.plan, o.apiCell, o.clock);
  const hub = new LiveHub();
  const apiPath = o.plan.cells[0]!.path;
  let timer: TimerHandle | undefined;
  let pushTimer: TimerHandle | undefined;
  let round = 0;
  let refreshing = false;

  const push = () => hub.publish(builder.build());
  const refresh = async (hostsToo: boolean) => {
    if (refreshing) return;
    refreshing = true;
    try {
      await builder.refreshStatus(Math.max(500, (o.statusIntervalMs ?? 2000) - 500));
      if (hostsToo) await builder.refreshHosts();
      push();
    } catch (err) {
      o.log.warn({ err: errorMessage(err) }, 'dashboard: refresh failed');
    } finally {
      refreshing = false;
    }
  };
  const startLoop = () => {
    if (timer) return;
    void refresh(true);
    timer = o.clock.setInterval(() => {
      if (hub.size === 0) {
        o.clock.clearTimer(timer);
        timer = undefined;
        return;
      }
      void refresh(++round % 3 === 0);
    }, o.statusIntervalMs ?? 2000);
  };
  o.apiCell.onInstanceChange(() => {
    if (hub.size === 0 || pushTimer) return;
    pushTimer = o.clock.setTimeout(() => {
      pushTimer = undefined;
      push();
    }, 250);
  });

  const admin = async (req: FastifyRequest, reply: FastifyReply): Promise<AuthContext | undefined> => {
    const s = await sessionOf(o.identity, req);
    if (!s) void fault(reply, 401, 'unauthorized', 'Log in to the dashboard with an admin account.');
    return s;
  };

  app.get('/dashboard/', async (_req, reply) => {
    const page = await assets.get('index.html');
    return reply.type(page!.type).header('cache-control', 'no-store').send(page!.body);
  });
  app.get<{ Params: { name: string } }>('/dashboard/static/:name', async (req, reply) => {
    const a = await assets.get(req.params.name);
    if (!a) return fault(reply, 404, 'itemNotFound', 'No such file.');
    return reply.type(a.type).send(a.body);
  });

  app.post('/dashboard/login', async (req, reply) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) return fault(reply, 400, 'badRequest', 'Expected {"username", "password", "project"} as strings.');
    const f = parsed.data;
    let token: string;
    try {
      const issued = await o.identity.authenticate({ auth: {
        identity: { methods: ['password'], password: { user: { name: f.username, domain: { id: 'default' }, password: f.password } } },
        scope: { project: { name: f.project, domain: { id: 'default' } } },
      } });
      token = issued.id;
    } catch {
      return fault(reply, 401, 'unauthorized', 'The user name, password or project is wrong.');
    }
    const ctx = await o.identity.validateToken(token);
    if (!ctx.isAdmin) return fault(reply, 403, 'forbidden', 'The dashboard needs the admin role.');
    setSessionCookie(reply, token, o.secureCookie ?? false);
    return reply.send({ user: ctx.userName, project: ctx.projectName });
  });
  app.post('/dashboard/logout', async (_req, reply) => {
    setSessionCookie(reply, null, o.secureCookie ?? false);
    return reply.send({});
  });
  // 200 either way: a browser logs every 401 it receives as a console error.
  app.get('/dashboard/api/session', async (req, reply) => {
    const s = await sessionOf(o.identity, req);
    return reply.send(s ? { user: s.userName, project: s.projectName } : {});
  });

  app.get<{ Params: { uuid: string } }>('/dashboard/api/instances/:uuid', async (req, reply) => {
    if (!(await admin(req, reply))) return reply;
    const { uuid } = req.params;
    if (!UUID.test(uuid)) return fault(reply, 400, 'badRequest', 'Expected an instance uuid.');
    const c = [...o.apiCell.liveCopies()].find((x) => x.uuid === uuid);
    if (!c) return fault(reply, 404, 'itemNotFound', `Instance ${uuid} could not be found.`);
    const path: string[] = [];
    if (c.cell) c.cell.split('!').forEach((_, i, parts) => path.push(parts.slice(0, i + 1).join('!')));
    const actions = await o.apiCell.actions(uuid, `req-dashboard-${req.id}`).catch(() => []);
    const detail: InstanceDetail = {
      instance: {
        uuid, name: c.displayName, cell: c.cell, host: c.host, vmState: c.vmState, taskState: c.taskState, flavor: c.flavor.name,
        projectId: c.projectId, createdAt: c.createdAt, powerState: c.powerState,
        fault: c.fault ? { code: c.fault.code, message: c.fault.message } : null,
      },
      path,
      actions: actions.map((a) => ({
        action: a.action, requestId: a.requestId, startTime: a.startTime, finishTime: a.finishTime, message: a.message,
        events: a.events.map((e) => ({ event: e.event, startTime: e.startTime, finishTime: e.finishTime, result: e.result, host: e.host })),
      })),
    };
    return reply.send(detail);
  });

  app.post<{ Params: { host: string } }>('/dashboard/api/hosts/:host/disabled', async (req, reply) => {
    if (!(await admin(req, reply))) return reply;
    const host = req.params.host;
    if (!o.plan.hosts.some((h) => h.name === host)) return fault(reply, 404, 'itemNotFound', `Compute host ${host} could not be found.`);
    const parsed = disabledBody.safeParse(req.body);
    if (!parsed.success) return fault(reply, 400, 'badRequest', 'Expected {"disabled": true|false}.');
    const body = parsed.data;
    const reason = typeof body.reason === 'string' && body.reason.length <= 255 ? body.reason : 'disabled from the dashboard';
    const s = await o.apiCell.updateService({ host, binary: 'nova-compute', disabled: body.disabled, disabledReason: body.disabled ? reason : null });
    await builder.refreshHosts().catch(() => undefined);
    push();
    return reply.send({ host, disabled: s.disabled, disabledReason: s.disabledReason });
  });

  app.post<{ Params: { cell: string } }>('/dashboard/api/cells/:cell/muted', async (req, reply) => {
    if (!(await admin(req, reply))) return reply;
    const cell = req.params.cell;
    const parsed = mutedBody.safeParse(req.body);
    if (!parsed.success) return fault(reply, 400, 'badRequest', 'Expected {"muted": true|false}.');
    const body = parsed.data;
    const pc = o.plan.cells.find((c) => c.path === cell);
    if (!pc) return fault(reply, 404, 'itemNotFound', `Cell ${cell} could not be found.`);
    if (pc.parentPath !== apiPath) return fault(reply, 400, 'badRequest', `Only children of the API cell can be muted from here; ${cell} is under ${pc.parentPath ?? 'nothing'}.`);
    o.apiCell.role.children.setAdminMuted(cell, body.muted);
    await refresh(false);
    return reply.send({ cell, muted: body.muted });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  app.server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/dashboard/ws')) return;
    void sessionOf(o.identity, req).then((s) => {
      if (!s) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        hub.add(ws);
        startLoop();
      });
    });
  });
  app.addHook('onClose', async () => {
    o.clock.clearTimer(timer);
    o.clock.clearTimer(pushTimer);
    hub.close();
    wss.close();
  });
  return { hub };
}
