/**
 * Schemas of the global data that lives at the top of the tree and travels with requests: regions and
 * sites, aggregates, flavors, images, projects and users. Field names are those of Nova's flavor API,
 * Glance's image API and Keystone's, so an operator can copy values from an existing cloud.
 */
import { z } from 'zod';
import { azName, recordName, segmentName, stringMap } from './schema-common.ts';

export const siteSchema = z
  .strictObject({
    lat: z.number().min(-90, 'expected a latitude from -90 to 90').max(90, 'expected a latitude from -90 to 90'),
    lon: z.number().min(-180, 'expected a longitude from -180 to 180').max(180, 'expected a longitude from -180 to 180'),
    description: z.string().optional(),
  })
  .meta({ id: 'Site' });

export const regionSchema = z
  .strictObject({
    description: z.string().optional(),
    sites: z.record(segmentName('site'), siteSchema),
  })
  .meta({ id: 'Region' });

export const aggregateSchema = z
  .strictObject({
    availability_zone: azName.optional().meta({ description: 'Makes the aggregate an availability zone.' }),
    metadata: stringMap.default({}),
  })
  .superRefine((a, ctx) => {
    if ('availability_zone' in a.metadata) {
      ctx.addIssue({ code: 'custom', path: ['metadata', 'availability_zone'], message: 'set the zone with the aggregate\'s "availability_zone" key, not in metadata' });
    }
  })
  .meta({ id: 'Aggregate' });

/** Nova's flavor id syntax (nova/api/validation/parameter_types.py): no leading or trailing space. */
const FLAVOR_ID = /^(?! )[a-zA-Z0-9. _-]+(?<! )$/;

export const flavorSchema = z
  .strictObject({
    name: recordName(),
    id: z
      .union([z.string(), z.number().int().nonnegative()], { error: 'expected a flavor id (text or a whole number)' })
      .transform(String)
      .pipe(z.string().max(255).regex(FLAVOR_ID, 'expected a flavor id of letters, digits, ".", "-", "_" and spaces'))
      .optional()
      .meta({ description: 'Flavor id; derived from the name (a uuid) when omitted.' }),
    vcpus: z.number().int('expected a whole number of vCPUs').min(1, 'expected at least 1 vCPU'),
    ram: z.number().int('expected a whole number of MB').min(1, 'expected at least 1 MB of RAM'),
    disk: z.number().int('expected a whole number of GB').min(0, 'expected 0 GB or more'),
    ephemeral: z.number().int().min(0).default(0),
    swap: z.number().int().min(0).default(0),
    rxtx_factor: z.number().positive().default(1.0),
    is_public: z.boolean().default(true),
    description: z.string().optional(),
    extra_specs: stringMap.default({}),
  })
  .meta({ id: 'Flavor' });

export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;

export const imageSchema = z
  .strictObject({
    name: recordName(),
    id: z.uuid('expected a UUID like 0b5e3f7e-2f0c-4c6e-9d3a-3f7f0e2a9c11').optional()
      .meta({ description: 'Image UUID; derived from the name when omitted.' }),
    disk_format: z.enum(DISK_FORMATS).default('qcow2'),
    container_format: z.enum(CONTAINER_FORMATS).default('bare'),
    min_disk: z.number().int().min(0).default(0),
    min_ram: z.number().int().min(0).default(0),
    visibility: z.enum(['public', 'private', 'shared', 'community']).default('public'),
    protected: z.boolean().default(false),
    owner: z.string().min(1).optional().meta({ description: 'Name of the owning project.' }),
    size: z.number().int().min(0).optional().meta({ description: 'Size in bytes, for display.' }),
    tags: z.array(z.string().min(1)).default([]),
    properties: stringMap.default({}),
  })
  .meta({ id: 'Image' });

export const projectSchema = z
  .strictObject({
    name: recordName(64),
    id: z.string().regex(/^[0-9a-f]{32}$/, 'expected a Keystone id: 32 lowercase hex digits').optional(),
    domain: z.string().min(1).default('Default'),
    description: z.string().optional(),
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'Project' });

export const ROLES = ['admin', 'member', 'reader'] as const;

export const userSchema = z
  .strictObject({
    name: recordName(64),
    id: z.string().regex(/^[0-9a-f]{32}$/, 'expected a Keystone id: 32 lowercase hex digits').optional(),
    password: z.string().min(1, 'expected a non-empty password (a literal or ${ENV_VAR})'),
    project: z.string().min(1).meta({ description: 'Name of the project the roles are granted on.' }),
    roles: z.array(z.enum(ROLES)).min(1, 'expected at least one role').default(['member']),
    domain: z.string().min(1).default('Default'),
    email: z.string().optional(),
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'User' });

export const defaultsSchema = z
  .strictObject({
    flavor: z.string().min(1).optional().meta({ description: 'Name of a flavor defined under flavors.' }),
    image: z.string().min(1).optional().meta({ description: 'Name of an image defined under images.' }),
  })
  .meta({ id: 'Defaults' });

export type Site = z.output<typeof siteSchema>;
export type Region = z.output<typeof regionSchema>;
export type Aggregate = z.output<typeof aggregateSchema>;
export type Flavor = z.output<typeof flavorSchema>;
export type Image = z.output<typeof imageSchema>;
export type Project = z.output<typeof projectSchema>;
export type User = z.output<typeof userSchema>;
export type Role = (typeof ROLES)[number];
