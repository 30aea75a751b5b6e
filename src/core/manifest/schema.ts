import { z } from 'zod';
import { commandFitsStepRunner, MAX_COMMAND_BYTES } from '../step-runner/command-size';

/**
 * The release manifest (DESIGN §3). Field names are a contract: users and
 * tests write manifests with them. Objects are strict so a typo in a field
 * name is an error, not a silently ignored key.
 */

/** Names reach shell command lines on nodes, so they are restricted to this. */
export const IDENTIFIER_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** Releases (versions) reach nodes as SSM document parameters with this allowedPattern. */
export const RELEASE_PATTERN = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/;

export const identifier = z
  .string()
  .regex(IDENTIFIER_PATTERN, { message: 'must match [a-z0-9][a-z0-9-]* (lowercase letters, digits and dashes)' })
  .max(63);

export const releaseString = z
  .string()
  .regex(RELEASE_PATTERN, { message: 'must be a version such as 7.2.0 (letters, digits, . _ + -)' });

/** A node count (≥ 1) or a percentage of the nodes such as "25%". */
export const countOrPercent = z.union([
  z.number().int().min(1),
  z.string().regex(/^(100|[1-9][0-9]?)%$/, { message: 'must be a whole percentage from 1% to 100%, such as "25%"' }),
]);

const command = z
  .string()
  .min(1, { message: 'must not be empty' })
  // Every command reaches a node inside one SendCommand, whose document and parameters share a 64 KB quota.
  .refine(commandFitsStepRunner, { message: `is longer than ${MAX_COMMAND_BYTES} bytes, the most one SSM SendCommand of the step runner can carry (64 KB for the document and its parameters); put the script on the node and call it` });
/** How long a step may run on a node (SSM's executionTimeout range): past it the step is killed and fails. */
const timeoutSeconds = z.number().int().min(1).max(172_800);

/** A command that takes a node out of service or brings it back (load balancer, ASG standby, ...). */
export const nodeCommandSchema = z
  .object({
    run: command,
    timeoutSeconds: timeoutSeconds.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    canary: z.union([z.literal('auto'), identifier]).default('auto'),
    canaryWatchSeconds: z.number().int().min(0).max(86_400).default(60),
    maxInFlight: countOrPercent.default(1),
    maxFailedNodes: z.number().int().min(0).default(0),
    /** The drain command's timeout when `drain.timeoutSeconds` is not given. */
    drainTimeoutSeconds: z.number().int().min(1).max(86_400).default(300),
    /** Takes a node out of service. @default on the simulated fleet only: `cu-node drain` */
    drain: nodeCommandSchema.optional(),
    /** Brings a node back into service. @default on the simulated fleet only: `cu-node rejoin` */
    rejoin: nodeCommandSchema.optional(),
  })
  .strict();

export const platformStepSchema = z
  .object({
    name: identifier,
    run: command,
    selfUpdate: z.boolean().default(false),
    timeoutSeconds: timeoutSeconds.optional(),
  })
  .strict();

export const healthSchema = z
  .object({
    /** A URL path probed on the node at http://127.0.0.1:<port><path>; healthy = HTTP 200. */
    http: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'must be a URL path such as /health' }).max(200).optional(),
    /** The port `http` is probed on. @default on the simulated fleet only: the replica's own port */
    port: z.number().int().min(1).max(65_535).optional(),
    command: command.optional(),
    /** How long the check keeps retrying before the replica counts as unhealthy. @default 60 */
    timeoutSeconds: timeoutSeconds.optional(),
  })
  .strict()
  .refine((h) => !(h.http && h.command), { message: 'give either http or command, not both' })
  .refine((h) => h.port === undefined || h.http !== undefined, { message: 'port is only used with http' });

export const serviceSchema = z
  .object({
    name: identifier,
    dependsOn: z.array(identifier).default([]),
    /** A one-off (e.g. a migration) runs `run` once, on one node, after its dependencies. */
    oneOff: z.boolean().default(false),
    run: command.optional(),
    /** How to undo a one-off on rollback; rollback is refused when a finished one-off has none. */
    rollback: command.optional(),
    /** Installs and restarts a long-running service on one node; on the simulated fleet it defaults to a restart at the new release. */
    update: command.optional(),
    minHealthy: z.number().int().min(0).default(0),
    health: healthSchema.optional(),
    timeoutSeconds: timeoutSeconds.optional(),
  })
  .strict();

export const hookSchema = z
  .object({
    name: identifier,
    run: command,
    skippable: z.boolean().default(false),
    timeoutSeconds: timeoutSeconds.optional(),
  })
  .strict();

export const manifestSchema = z
  .object({
    release: releaseString,
    previous: releaseString.optional(),
    cluster: identifier,
    policy: policySchema.default(() => policySchema.parse({})),
    platform: z.array(platformStepSchema).default([]),
    services: z.array(serviceSchema).default([]),
    hooks: z
      .object({
        preUpdate: z.array(hookSchema).default([]),
        postUpdate: z.array(hookSchema).default([]),
      })
      .strict()
      .default({ preUpdate: [], postUpdate: [] }),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
export type Policy = Manifest['policy'];
export type PlatformStep = Manifest['platform'][number];
export type Service = Manifest['services'][number];
export type Hook = Manifest['hooks']['preUpdate'][number];
