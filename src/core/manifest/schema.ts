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
const timeoutSeconds = z.number().int().min(1).max(172_800);

export const policySchema = z
  .object({
    canary: z.union([z.literal('auto'), identifier]).default('auto'),
    canaryWatchSeconds: z.number().int().min(0).max(86_400).default(60),
    maxInFlight: countOrPercent.default(1),
    maxFailedNodes: z.number().int().min(0).default(0),
    drainTimeoutSeconds: z.number().int().min(0).max(86_400).default(300),
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
    http: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'must be a URL path such as /health' }).optional(),
    command: command.optional(),
  })
  .strict();

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
