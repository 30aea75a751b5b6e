import { DescribeDocumentCommand, ListCommandsCommand } from '@aws-sdk/client-ssm';
import { describeAgents } from '../../aws/inventory/ssm-inventory';
import { ClusterUpdateError } from '../../core/errors';
import { loadUpdate } from '../load-update';
import { crashAt } from '../simulated-crash';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface HandOverResult {
  readonly owner: string;
  readonly fence: number;
  readonly agentRelease: string;
  readonly documentVersion: string;
}

/** The canary ran no command whose document version could be read (a definition bug). */
export class CanaryCommandMissingError extends ClusterUpdateError {
  public constructor(updateId: string) {
    super(`update ${updateId}: the canary has no finished command to read the validated step-runner document version from`);
    this.name = 'CanaryCommandMissingError';
  }
}

/**
 * The canary passed and takes ownership of the rest of the update: the update
 * record pins what it validated — the step-runner document version its
 * commands ran (every later SendCommand passes it as `DocumentVersion`, so a
 * document changed meanwhile never reaches the other nodes) and its node agent
 * release — and the fence advances, so any write still in flight from before
 * the hand-over is rejected.
 *
 * Idempotent: the record and the fence change in ONE transaction
 * (UpdateStore.recordHandOver), so a HandOver retried after it landed (its
 * answer lost on the way back) enters with the new fence — the task handler
 * adopts the lock's fence for the same run — finds `owner.fence` equal to it
 * and returns the same result without touching anything. Writing the record
 * after the fence (two writes) would let such a retry fail on the fence it had
 * itself advanced.
 */
export async function handOver(context: WorkflowContext, input: TaskInput): Promise<HandOverResult> {
  const { record, plan } = await loadUpdate(context, input.updateId);
  if (record.owner && record.owner.fence === input.fence) {
    return { owner: input.owner, fence: record.owner.fence, agentRelease: record.owner.agentRelease, documentVersion: record.owner.documentVersion };
  }
  const [agent] = await describeAgents(context.clients.ssm, input.cluster, [plan.canary]);
  const documentVersion = await canaryDocumentVersion(context, input.updateId, plan.canary);
  crashAt('handover-before-transaction', `handover:${plan.canary}`);
  const owner = await context.updates.recordHandOver(input.updateId, guardOf(input), { node: plan.canary, agentRelease: agent?.agentVersion ?? 'unknown', documentVersion });
  crashAt('handover-after-transaction', `handover:${plan.canary}`);
  return { owner: input.owner, fence: owner.fence, agentRelease: owner.agentRelease, documentVersion: owner.documentVersion };
}

/**
 * The document version the canary's last command ran with. ListCommands
 * reports the version the command was sent with, which is `$DEFAULT` when none
 * was given: that alias is resolved to its number with DescribeDocument.
 */
async function canaryDocumentVersion(context: WorkflowContext, updateId: string, canary: string): Promise<string> {
  const finished = (await context.checkpoints.query(updateId, { phase: 'canary' }))
    .filter((c) => c.target === canary && c.status === 'SUCCEEDED' && c.commandId)
    .sort((a, b) => (a.endedAt ?? '').localeCompare(b.endedAt ?? ''));
  const last = finished.at(-1);
  if (!last) throw new CanaryCommandMissingError(updateId);
  const listed = await context.clients.ssm.send(new ListCommandsCommand({ CommandId: last.commandId }));
  const version = listed.Commands?.[0]?.DocumentVersion ?? '$DEFAULT';
  if (/^\d+$/.test(version)) return version;
  const described = await context.clients.ssm.send(new DescribeDocumentCommand({ Name: context.settings.documentName, DocumentVersion: version }));
  return described.Document?.DocumentVersion ?? version;
}
