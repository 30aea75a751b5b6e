import { CommandRunner } from '../aws/commands/command-runner';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { invocationCredentials } from '../aws/invocation-credentials';
import { CheckpointStore, type WriterGuard } from '../aws/store/checkpoint-store';
import { LockStore } from '../aws/store/lock-store';
import { NodeSlots } from '../aws/store/node-slots';
import { PlanStore } from '../aws/store/plan-store';
import { UpdateStore } from '../aws/store/update-store';

/** What every task works with: the stores and the command runner, built once per Lambda container. */
export interface WorkflowContext {
  readonly clients: AwsClients;
  readonly locks: LockStore;
  readonly updates: UpdateStore;
  readonly plans: PlanStore;
  readonly checkpoints: CheckpointStore;
  readonly slots: NodeSlots;
  readonly commands: CommandRunner;
  readonly settings: WorkflowSettings;
  /** Told of every command sent to a node and how each node's step ended (the handler logs them, node by node). */
  readonly observer?: StepObserver;
}

/** One step on one node, as the observer hears of it. */
export interface NodeStepEvent {
  readonly phase: string;
  readonly target: string;
  readonly step: string;
  readonly node: string;
  readonly commandId: string;
  /** Set when the step ended. */
  readonly status?: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
}

export interface StepObserver {
  commandSent(event: NodeStepEvent): void;
  stepEnded(event: NodeStepEvent): void;
}

export interface WorkflowSettings {
  /** How long one task invocation waits on commands before handing back to the state machine's poll loop. */
  readonly pollBudgetMs: number;
  readonly pollIntervalMs: number;
  /** The lock lease; every task renews it. */
  readonly leaseSeconds: number;
  /** How a node leaves and rejoins the cluster (e.g. deregister from the load balancer). */
  readonly drainCommand: string;
  readonly rejoinCommand: string;
}

/** Task input common to every step after AcquireLock. */
export interface TaskInput {
  readonly updateId: string;
  readonly cluster: string;
  readonly owner: string;
  readonly fence: number;
}

export function guardOf(input: TaskInput): WriterGuard {
  return { cluster: input.cluster, owner: input.owner, fence: input.fence };
}

/** Missing configuration in a handler's environment. */
export class MissingSettingError extends Error {
  public constructor(name: string) {
    super(`environment variable ${name} is not set`);
    this.name = 'MissingSettingError';
  }
}

/** One context per principal: on Lambda only ever one; in the local runtime one per function (its own credentials). */
const cached = new Map<string, { fingerprint: string; context: WorkflowContext }>();

/**
 * Builds the context from the Lambda environment (TABLE_NAME, DOCUMENT_NAME, …)
 * once per container — again only if the environment changes, as when one
 * process hosts one local runtime after another. Locally, where every function
 * runs in one process, each function's invocations get their own context whose
 * clients sign with that function's credentials (invocation-credentials.ts).
 */
export function workflowContext(env: NodeJS.ProcessEnv = process.env): WorkflowContext {
  const principal = invocationCredentials.getStore()?.accessKeyId ?? '';
  const fingerprint = ['TABLE_NAME', 'DOCUMENT_NAME', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_EC2', 'POLL_BUDGET_SECONDS', 'DRAIN_COMMAND', 'REJOIN_COMMAND'].map((k) => env[k] ?? '').join('|');
  const known = cached.get(principal);
  if (known?.fingerprint === fingerprint) return known.context;
  known?.context.clients.destroy();
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new MissingSettingError(name);
    return value;
  };
  const tableName = need('TABLE_NAME');
  const clients = createAwsClients({});
  const props = { documents: clients.documents, tableName };
  const context: WorkflowContext = {
    clients,
    locks: new LockStore(props),
    updates: new UpdateStore(props),
    plans: new PlanStore(props),
    checkpoints: new CheckpointStore(props),
    slots: new NodeSlots(props),
    commands: new CommandRunner({ ssm: clients.ssm, documentName: need('DOCUMENT_NAME') }),
    settings: {
      pollBudgetMs: Number(env.POLL_BUDGET_SECONDS ?? 240) * 1000,
      pollIntervalMs: Number(env.POLL_INTERVAL_MS ?? 2000),
      leaseSeconds: Number(env.LEASE_SECONDS ?? 1800),
      drainCommand: env.DRAIN_COMMAND ?? 'cu-node drain',
      rejoinCommand: env.REJOIN_COMMAND ?? 'cu-node rejoin',
    },
  };
  cached.set(principal, { fingerprint, context });
  return context;
}
