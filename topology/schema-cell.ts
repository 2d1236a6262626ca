/**
 * Schemas of the cell tree: a cell with its broker, database, Nova options and children, and the host
 * groups of leaf cells. Everything is `.strict()`, so a misspelt key is an error rather than a silently
 * ignored setting. Checks that need the whole tree (duplicates, references) live in check.ts.
 */
import { z } from 'zod';
import { novaOptionsSchema, type NovaOverrides } from './nova-options.ts';
import { countHostRange, HostRangeError, MAX_RANGE_SIZE } from './ranges.ts';
import { azName, recordName, segmentName, tcpPort, urlString } from './schema-common.ts';

export const brokerSchema = z
  .strictObject({
    host: z.string().min(1).optional().meta({ description: 'Embedded broker: address to bind and to advertise (default 127.0.0.1).' }),
    port: tcpPort.optional().meta({ description: 'Embedded broker: TCP port (default: allocated from broker_base_port).' }),
    url: urlString(['mqtt:', 'mqtts:'], 'mqtt://broker.example.com:1883').optional().meta({
      description: 'External broker (Mosquitto, EMQX, ...): mqtt:// or mqtts:// URL. Omit for an embedded aedes broker.',
    }),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    ca_file: z.string().min(1).optional().meta({ description: 'PEM CA bundle to verify an mqtts:// broker.' }),
  })
  .superRefine((b, ctx) => {
    const embeddedOnly = ['host', 'port'] as const;
    const externalOnly = ['username', 'password', 'ca_file'] as const;
    const clash = b.url !== undefined ? embeddedOnly : externalOnly;
    for (const k of clash) {
      if (b[k] === undefined) continue;
      const why = b.url !== undefined ? 'embedded brokers (without url)' : 'external brokers (with url)';
      ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" applies only to ${why}` });
    }
    if (b.ca_file !== undefined && b.url !== undefined && !b.url.startsWith('mqtts:')) {
      ctx.addIssue({ code: 'custom', path: ['ca_file'], message: '"ca_file" needs an mqtts:// url' });
    }
  })
  .meta({ id: 'Broker' });

export const databaseSchema = z
  .strictObject({
    file: z.string().min(1).optional().meta({ description: 'SQLite file (default <data_dir>/<cell path>.sqlite).' }),
    url: urlString(['postgres:', 'postgresql:'], 'postgres://nova:secret@db.example.com:5432/nova_cell1')
      .optional()
      .meta({ description: 'External PostgreSQL database.' }),
  })
  .superRefine((d, ctx) => {
    if (d.file !== undefined && d.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected either "file" (SQLite) or "url" (PostgreSQL), not both' });
    }
  })
  .meta({ id: 'Database' });

export const DRIVERS = ['fake', 'libvirt', 'qemu'] as const;
export type DriverName = (typeof DRIVERS)[number];

/** Which drivers understand each driver option; options of another driver are an error, not ignored. */
export const DRIVER_OPTION_OWNERS: Readonly<Record<string, readonly DriverName[]>> = {
  spawn_time_ms: ['fake'],
  delete_time_ms: ['fake'],
  failure_rate: ['fake'],
  vnc_console: ['fake'],
  uri: ['libvirt'],
  virt_type: ['libvirt'],
  binary: ['qemu'],
  accel: ['qemu'],
  instances_path: ['libvirt', 'qemu'],
  boot_timeout_s: ['libvirt', 'qemu'],
  max_concurrent_builds: ['libvirt', 'qemu'],
};

const nonNegMs = z.number().min(0, 'expected a duration in milliseconds, 0 or more');

export const driverOptionsSchema = z
  .strictObject({
    spawn_time_ms: nonNegMs.optional().meta({ description: 'fake: time a spawn takes (virtual ms in simulation).' }),
    delete_time_ms: nonNegMs.optional().meta({ description: 'fake: time a delete takes.' }),
    failure_rate: z.number().min(0, 'expected a probability from 0 to 1').max(1, 'expected a probability from 0 to 1').optional()
      .meta({ description: 'fake: probability that a spawn fails (drives rescheduling).' }),
    vnc_console: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port of a VNC server').optional()
      .meta({ description: 'fake: a real VNC server (host:port) the fake guests offer as their console; without it they have none.' }),
    uri: z.string().min(1).optional().meta({ description: 'libvirt: connection URI, e.g. qemu:///system.' }),
    virt_type: z.enum(['kvm', 'qemu']).optional().meta({ description: 'libvirt: [libvirt] virt_type.' }),
    binary: z.string().min(1).optional().meta({ description: 'qemu: path of qemu-system-* to run.' }),
    accel: z.enum(['kvm', 'tcg']).optional().meta({ description: 'qemu: accelerator.' }),
    instances_path: z.string().min(1).optional().meta({ description: 'libvirt/qemu: where instance disks live (default <data_dir>/instances/<host>).' }),
    boot_timeout_s: z.number().int('expected a whole number of seconds').min(1, 'expected at least 1 second').optional()
      .meta({ description: 'libvirt/qemu: seconds a guest may take to print its boot banner before the build fails (default 180).' }),
    max_concurrent_builds: z.number().int('expected a whole number').min(1, 'expected at least 1').optional()
      .meta({ description: 'libvirt/qemu: Nova\'s max_concurrent_builds; guests booting at once on this host (default 2).' }),
  })
  .meta({ id: 'DriverOptions' });
export type DriverOptions = z.output<typeof driverOptionsSchema>;

/** One host name or range; the range is checked here so the error points at this very string. */
const hostSpec = z.string().superRefine((s, ctx) => {
  try {
    const n = countHostRange(s);
    if (n > MAX_RANGE_SIZE) {
      ctx.addIssue({ code: 'custom', message: new HostRangeError(s, `"${s}" expands to ${n} names, more than ${MAX_RANGE_SIZE}`).message });
    }
  } catch (e) {
    if (!(e instanceof HostRangeError)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message });
  }
});

export const hostNamesSchema = z
  .union([hostSpec, z.array(hostSpec).min(1, 'expected at least one host name or range')], {
    error: 'expected a host name, a range like compute[001:200], or a list of them',
  })
  .meta({ description: 'Host names: "compute[001:200]", "node7", or a list of names and ranges.' });

const TRAIT = /^[A-Z][A-Z0-9_]*$/;
export const CPU_ARCHES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64', 'ppc64le', 's390x', 'riscv64'] as const;

export const hostGroupSchema = z
  .strictObject({
    names: hostNamesSchema,
    driver: z.enum(DRIVERS).default('fake'),
    driver_options: driverOptionsSchema.prefault({}),
    vcpus: z.number().int('expected a whole number of vCPUs').min(1, 'expected at least 1 vCPU'),
    memory_mb: z.number().int('expected a whole number of MB').min(1, 'expected at least 1 MB of RAM'),
    disk_gb: z.number().int('expected a whole number of GB').min(0, 'expected 0 GB or more'),
    availability_zone: azName.optional(),
    aggregates: z.array(recordName()).default([]),
    hypervisor_type: z.string().min(1).optional().meta({ description: 'Default by driver: fake → fake, libvirt/qemu → QEMU.' }),
    cpu_arch: z.enum(CPU_ARCHES).default('x86_64'),
    traits: z
      .array(z.string().regex(TRAIT, 'expected an os-traits name like HW_CPU_X86_AVX2 or CUSTOM_GPU (upper case, digits, "_")'))
      .default([]),
  })
  .superRefine((g, ctx) => {
    for (const [opt, value] of Object.entries(g.driver_options)) {
      const owners = DRIVER_OPTION_OWNERS[opt] ?? [];
      if (value !== undefined && !owners.includes(g.driver)) {
        ctx.addIssue({
          code: 'custom',
          path: ['driver_options', opt],
          message: `"${opt}" is an option of the ${owners.join('/')} driver, not of ${g.driver}`,
        });
      }
    }
  })
  .meta({ id: 'HostGroup' });

export type HostGroup = z.output<typeof hostGroupSchema>;
export type HostGroupInput = z.input<typeof hostGroupSchema>;
export type Broker = z.output<typeof brokerSchema>;
export type Database = z.output<typeof databaseSchema>;

/** A cell as validated: defaults filled in, `nova` normalised to nested sections. */
export interface Cell {
  name: string;
  description?: string | undefined;
  site?: string | undefined;
  broker?: Broker | undefined;
  database?: Database | undefined;
  nova: NovaOverrides;
  weight_offset: number;
  disabled: boolean;
  hosts: HostGroup[];
  children: Cell[];
}

/** A cell as written in the file. */
export interface CellInput {
  name: string;
  description?: string | undefined;
  site?: string | undefined;
  broker?: z.input<typeof brokerSchema> | undefined;
  database?: z.input<typeof databaseSchema> | undefined;
  nova?: z.input<typeof novaOptionsSchema> | undefined;
  weight_offset?: number | undefined;
  disabled?: boolean | undefined;
  hosts?: HostGroupInput[] | undefined;
  children?: CellInput[] | undefined;
}

export const cellSchema: z.ZodType<Cell, CellInput> = z.lazy(() =>
  z
    .strictObject({
      name: segmentName('cell').meta({ description: 'Path segment; full names join segments with "!" (api!eu!fra1).' }),
      description: z.string().optional(),
      site: z
        .string()
        .regex(/^[^/\s]+\/[^/\s]+$/, 'expected a site reference like region/site (e.g. eu/fra)')
        .optional()
        .meta({ description: 'region/site where the cell runs; inherited from the parent when omitted.' }),
      broker: brokerSchema.optional(),
      database: databaseSchema.optional(),
      nova: novaOptionsSchema.prefault({}),
      weight_offset: z.number().default(0).meta({ description: 'cells v1 WeightOffsetWeigher: added to this cell\'s weight.' }),
      disabled: z.boolean().default(false).meta({ description: 'A disabled cell receives no new builds.' }),
      hosts: z.array(hostGroupSchema).default([]).meta({ description: 'Host groups; only leaf cells may have hosts.' }),
      children: z.array(cellSchema).default([]),
    })
    .meta({ id: 'Cell' }),
);
