/**
 * The topology file's schema: a named deployment with its regions and sites, the cell tree rooted at
 * the API cell, and the global catalog (aggregates, flavors, images, projects, users). Strict at every
 * level: unknown keys are errors.
 */
import { z } from 'zod';
import { cellSchema } from './schema-cell.ts';
import {
  aggregateSchema,
  defaultsSchema,
  flavorSchema,
  imageSchema,
  projectSchema,
  regionSchema,
  userSchema,
} from './schema-catalog.ts';
import { listenAddress, recordName, segmentName, tcpPort, urlString } from './schema-common.ts';

/** MQTT's registered port; the API cell's embedded broker takes it, the others the ports after it. */
export const DEFAULT_BROKER_BASE_PORT = 1883;

export const apiSchema = z
  .strictObject({
    listen: listenAddress.default('127.0.0.1:8774').meta({ description: 'host:port the API services bind.' }),
    public_url: urlString(['http:', 'https:'], 'https://compute.example.com:8774').optional()
      .meta({ description: 'URL clients use (behind a proxy); default http://<listen>.' }),
  })
  .meta({ id: 'Api' });

const seconds = (min: number, max: number) => z.number().int('expected a whole number of seconds').min(min).max(max);

/** Keystone's settings that an operator tunes (names as in keystone.conf). */
export const identitySchema = z
  .strictObject({
    token_expiration: seconds(60, 7 * 86_400).default(3600)
      .meta({ description: "Token lifetime in seconds (keystone.conf [token] expiration)." }),
    lockout_failure_attempts: z.number().int().min(0).max(1000).default(5)
      .meta({ description: 'Failed password logins per user and source address before further attempts get 429 ([security_compliance]); 0 disables.' }),
    lockout_duration: seconds(1, 86_400).default(60)
      .meta({ description: 'Seconds a user+source pair stays refused after its last failure ([security_compliance] lockout_duration).' }),
  })
  .meta({ id: 'Identity' });

/** Nova's `nova-manage db archive_deleted_rows` / `purge`, run periodically by the cells. */
export const purgeSchema = z
  .strictObject({
    deleted_rows_age: seconds(0, 3650 * 86_400).default(30 * 86_400)
      .meta({ description: 'Deleted rows older than this many seconds are purged by the periodic task.' }),
    interval: seconds(0, 30 * 86_400).default(3600)
      .meta({ description: 'Seconds between periodic purges; 0 turns the periodic purge off.' }),
  })
  .meta({ id: 'Purge' });

/** Mutual TLS on the brokers of one process per cell (on by default there), with certificates from the deployment CA. */
export const brokerTlsSchema = z
  .strictObject({
    mode: z.enum(['off', 'mutual']).optional().meta({
      description: 'mutual (the default with one process per cell: cell run, compute run, status...): embedded brokers listen on '
        + 'mqtts:// and admit only clients with a certificate from the deployment CA, whose CN is the principal (cell@<cell>, '
        + 'link@<cell>, compute@<host>); the API cell creates the CA and the certificates on first start. off: plain mqtt:// with '
        + 'per-principal passwords (logged as a warning). `novacell up` (one process) always uses plain mqtt:// with passwords.',
    }),
    pki_dir: z.string().min(1).optional()
      .meta({ description: 'Where the CA certificate, the CRL and this site\'s certificates and keys are (default <data_dir>/pki).' }),
  })
  .meta({ id: 'BrokerTls' });

export const topologySchema = z
  .strictObject({
    version: z.literal(1, 'expected version: 1 (the only format version so far)').default(1),
    name: segmentName('deployment').default('novacell'),
    description: z.string().optional(),
    data_dir: z.string().min(1).default('./data').meta({ description: 'Where SQLite files and broker state go.' }),
    broker_base_port: tcpPort.default(DEFAULT_BROKER_BASE_PORT)
      .meta({ description: 'First port given to embedded brokers that do not set one.' }),
    broker_tls: brokerTlsSchema.prefault({}),
    api: apiSchema.prefault({}),
    identity: identitySchema.prefault({}),
    purge: purgeSchema.prefault({}),
    regions: z.record(segmentName('region'), regionSchema).default({}),
    cell: cellSchema.meta({ description: 'The API cell: root of the cell tree.' }),
    aggregates: z.record(recordName(), aggregateSchema).default({}),
    flavors: z.array(flavorSchema).default([]),
    images: z.array(imageSchema).default([]),
    projects: z.array(projectSchema).default([]),
    users: z.array(userSchema).default([]),
    defaults: defaultsSchema.prefault({}),
  })
  .meta({
    id: 'Topology',
    title: 'novacell topology',
    description: 'A novacell deployment: regions and sites, the cell tree, host groups and the global catalog.',
  });

/**
 * Top-level keys starting with "x-" are set aside before validation, as docker-compose does: they hold
 * YAML anchors (hardware profiles merged with `<<: *name`) without being settings themselves.
 */
export function withoutExtensions(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith('x-')));
}

export type Topology = z.output<typeof topologySchema>;
export type TopologyInput = z.input<typeof topologySchema>;

export type { Cell, CellInput, HostGroup, HostGroupInput, Broker, Database, DriverOptions, DriverName } from './schema-cell.ts';
export type { Site, Region, Aggregate, Flavor, Image, Project, User, Role } from './schema-catalog.ts';
