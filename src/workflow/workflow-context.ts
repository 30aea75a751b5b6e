import { CommandRunner } from '../aws/commands/command-runner';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { sfnExecutionReader } from '../aws/executions/execution-reader';
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
  /** The lock lease; the task handler renews it when every invocation starts, and every lease/3 while it runs. */
  readonly leaseSeconds: number;
  /** The step-runner document every command runs. */
  readonly documentName: string;
}

/** Task input common to every step after AcquireLock. */
export interface TaskInput {
  readonly updateId: string;
  readonly cluster: string;
  readonly owner: string;
  /** The fence this invocation writes with: the task handler resolves it from the lock when the invocation starts. */
  readonly fence: number;
  /** `$$.Execution.RedriveCount`: which run of the execution the invocation belongs to. */
  readonly redriveCount?: number;
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
  const fingerprint = ['TABLE_NAME', 'DOCUMENT_NAME', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_SFN', 'POLL_BUDGET_SECONDS', 'POLL_INTERVAL_MS', 'LEASE_SECONDS']
    .map((k) => env[k] ?? '')
    .join('|');
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
  const documentName = need('DOCUMENT_NAME');
  const context: WorkflowContext = {
    clients,
    locks: new LockStore({ ...props, executions: sfnExecutionReader(clients.sfn) }),
    updates: new UpdateStore(props),
    plans: new PlanStore(props),
    checkpoints: new CheckpointStore(props),
    slots: new NodeSlots(props),
    commands: new CommandRunner({ ssm: clients.ssm, documentName }),
    settings: {
      pollBudgetMs: Number(env.POLL_BUDGET_SECONDS ?? 240) * 1000,
      pollIntervalMs: Number(env.POLL_INTERVAL_MS ?? 2000),
      leaseSeconds: Number(env.LEASE_SECONDS ?? 1800),
      documentName,
    },
  };
  cached.set(principal, { fingerprint, context });
  return context;
}

/**
 * The context one task invocation works with once the task handler has
 * resolved its fence: every update-record, plan and checkpoint write is
 * conditioned on (owner, fence), and every SendCommand is preceded by
 * `beforeSend` (a consistent read of the lock) and uses the document version
 * the hand-over pinned, if any.
 */
export function fencedContext(base: WorkflowContext, guard: WriterGuard, commands: { beforeSend: () => Promise<void>; documentVersion?: string }): WorkflowContext {
  return {
    ...base,
    updates: base.updates.fencedBy(guard),
    plans: base.plans.fencedBy(guard),
    commands: new CommandRunner({ ssm: base.clients.ssm, documentName: base.settings.documentName, documentVersion: commands.documentVersion, beforeSend: commands.beforeSend }),
  };
}
