/** A listening metadata server (Nova's metadata_listen:metadata_listen_port, 8775 by default). */
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../../runtime/clock/index.ts';
import { createHttpServer } from '../../../runtime/http/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import { MetadataService, type MetadataServiceOptions } from './service.ts';

export interface MetadataServerOptions extends MetadataServiceOptions {
  host: string;
  port: number;
  log: Logger;
  rng: RandomStream;
}

export interface MetadataServer {
  url: string;
  service: MetadataService;
  close(): Promise<void>;
}

export async function startMetadataServer(o: MetadataServerOptions & { clock: Clock }): Promise<MetadataServer> {
  const app = createHttpServer({ log: o.log.child({ service: 'nova-api-metadata' }), clock: o.clock, rng: o.rng });
  const service = new MetadataService(o);
  await app.register(async (scope) => service.register(scope));
  await app.listen({ host: o.host, port: o.port });
  const port = (app.server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  return { url: `http://${host}:${port}`, service, close: () => app.close() };
}
