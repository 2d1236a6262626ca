/**
 * Nova's configuration options, in Nova's names and with Nova's defaults, grouped by section as in
 * nova.conf. A cell's effective options are the defaults overlaid with the topology's per-cell options.
 */
import { z } from 'zod';

export const novaConfigSchema = z
  .object({
    DEFAULT: z
      .object({
        cpu_allocation_ratio: z.number().positive().default(16.0),
        ram_allocation_ratio: z.number().positive().default(1.5),
        disk_allocation_ratio: z.number().positive().default(1.0),
        reserved_host_memory_mb: z.number().int().nonnegative().default(512),
        reserved_host_disk_mb: z.number().int().nonnegative().default(0),
        reserved_host_cpus: z.number().int().nonnegative().default(0),
        /** Seconds between service heartbeats. */
        report_interval: z.number().positive().default(10),
        /** Seconds without a heartbeat before a service counts as down. */
        service_down_time: z.number().positive().default(60),
        /** Seconds between resource tracker runs (update_available_resource). */
        update_resources_interval: z.number().positive().default(60),
        /** Seconds between the compute manager's power-state syncs (_sync_power_states); lifecycle events act at once. */
        sync_power_state_interval: z.number().positive().default(600),
        /** nova-network's fixed_range: the CIDR project networks are cut from (real guests get fixed IPs from it). */
        fixed_range: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'expected an IPv4 CIDR like 10.100.0.0/16').nullable().default(null),
        /** nova-network's network_size: addresses in each project's network. */
        network_size: z.number().int().min(16).default(256),
        /** Seconds a clean (ACPI) shutdown may take before a power-off pulls the plug. */
        shutdown_timeout: z.number().int().nonnegative().default(60),
        rpc_response_timeout: z.number().positive().default(60),
        default_availability_zone: z.string().default('nova'),
        default_schedule_zone: z.string().nullable().default(null),
        /** Every instance gets a config drive, asked for or not. */
        force_config_drive: z.boolean().default(false),
        /**
         * A resize may stay on the instance's host when the new flavor fits there (then it does; else
         * the scheduler picks another). Nova's default is false; true is what devstack sets.
         */
        allow_resize_to_same_host: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    scheduler: z
      .object({
        max_attempts: z.number().int().positive().default(3),
      })
      .strict()
      .prefault({}),
    filter_scheduler: z
      .object({
        enabled_filters: z
          .array(z.string())
          .default([
            'ComputeFilter',
            'AvailabilityZoneFilter',
            'ComputeCapabilitiesFilter',
            'ImagePropertiesFilter',
            'ServerGroupAntiAffinityFilter',
            'ServerGroupAffinityFilter',
            'RamFilter',
            'CoreFilter',
            'DiskFilter',
          ]),
        weight_classes: z.array(z.string()).default(['RAMWeigher', 'CPUWeigher', 'DiskWeigher', 'BuildFailureWeigher']),
        ram_weight_multiplier: z.number().default(1.0),
        cpu_weight_multiplier: z.number().default(1.0),
        disk_weight_multiplier: z.number().default(1.0),
        build_failure_weight_multiplier: z.number().default(1000000.0),
        host_subset_size: z.number().int().positive().default(1),
        shuffle_best_same_weighed_hosts: z.boolean().default(false),
        aggregate_image_properties_isolation_namespace: z.string().nullable().default(null),
      })
      .strict()
      .prefault({}),
    compute: z
      .object({
        consecutive_build_service_disable_threshold: z.number().int().nonnegative().default(10),
        /** Seconds after which a host re-sends an unchanged resource report (its inventory re-asserted); 0: never. */
        resource_provider_association_refresh: z.number().nonnegative().default(300),
      })
      .strict()
      .prefault({}),
    cells: z
      .object({
        max_hop_count: z.number().int().positive().default(10),
        /** Cell weighers (cells v1). */
        ram_weight_multiplier: z.number().default(10.0),
        offset_weight_multiplier: z.number().default(1.0),
        mute_weight_multiplier: z.number().default(-10000.0),
        mute_child_interval: z.number().positive().default(300),
        /** Seconds between full capacity reports to the parent. */
        capacity_report_interval: z.number().positive().default(30),
        /**
         * Seconds a cell gathers instance updates and capacity deltas before sending them to its parent,
         * one message of each kind per interval (the first change after a quiet interval leaves at once,
         * and an answer to the parent sends what is held first); 0 sends them at the end of the turn
         * that made them, as cells v1 did.
         */
        update_batch_interval: z.number().nonnegative().default(0.05),
        /** Times a build is handed back up and tried on a sibling before NoValidHost. */
        scheduler_retries: z.number().int().nonnegative().default(10),
        reserve_percent: z.number().min(0).max(100).default(10.0),
      })
      .strict()
      .prefault({}),
    // Consoles (nova/conf/consoleauth.py, vnc.py, spice.py, serial_console.py, console.py). Empty base
    // URLs mean "where this deployment's own proxy listens"; an empty proxy host means beside the API
    // (its listen host in `novacell up`, 0.0.0.0 — Nova's default — for `novacell console run`).
    consoleauth: z
      .object({
        /** Seconds a console token stays valid (multi-use until then). */
        token_ttl: z.number().int().positive().default(600),
      })
      .strict()
      .prefault({}),
    vnc: z
      .object({
        enabled: z.boolean().default(true),
        novncproxy_base_url: z.string().default(''),
        novncproxy_host: z.string().default(''),
        novncproxy_port: z.number().int().min(0).max(65535).default(6080),
        /** RFB security types the proxy may negotiate towards the hypervisor ("none" only, as Nova's default). */
        auth_schemes: z.array(z.enum(['none'])).default(['none']),
      })
      .strict()
      .prefault({}),
    spice: z
      .object({
        enabled: z.boolean().default(true),
        html5proxy_base_url: z.string().default(''),
        html5proxy_host: z.string().default(''),
        html5proxy_port: z.number().int().min(0).max(65535).default(6082),
      })
      .strict()
      .prefault({}),
    serial_console: z
      .object({
        enabled: z.boolean().default(true),
        base_url: z.string().default(''),
        serialproxy_host: z.string().default(''),
        serialproxy_port: z.number().int().min(0).max(65535).default(6083),
      })
      .strict()
      .prefault({}),
    xvp: z
      .object({
        xvpvncproxy_base_url: z.string().default(''),
        xvpvncproxy_host: z.string().default(''),
        xvpvncproxy_port: z.number().int().min(0).max(65535).default(6081),
      })
      .strict()
      .prefault({}),
    console: z
      .object({
        /** Origins (host names, optionally host:port) allowed besides the proxy's own Host. */
        allowed_origins: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** Seconds the metadata service keeps an instance's answers (0: no cache). */
        metadata_cache_expiration: z.number().int().nonnegative().default(15),
      })
      .strict()
      .prefault({}),
    /**
     * Rules of Nova's policy.yaml this cloud reads from the topology (oslo.policy check strings: `!`
     * no one, `@` everyone, `role:admin` / `rule:admin_api` admins). Nova's default for cross-cell
     * resize is `!`: a resize or cold migration stays in its cell unless this allows it.
     */
    policy: z
      .object({
        'compute:servers:resize:cross_cell': z.enum(['!', '@', 'role:admin', 'rule:admin_api']).default('!'),
      })
      .strict()
      .prefault({}),
    neutron: z
      .object({
        /** HMAC key of X-Instance-ID-Signature between the metadata proxy and the service; empty: made per data directory. */
        metadata_proxy_shared_secret: z.string().default(''),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type NovaConfig = z.output<typeof novaConfigSchema>;
export type NovaConfigInput = z.input<typeof novaConfigSchema>;

/** Defaults overlaid with `overrides` (a partial nova.conf); throws a ZodError naming the bad option. */
export function novaConfig(overrides: NovaConfigInput = {}): NovaConfig {
  return novaConfigSchema.parse(overrides);
}
