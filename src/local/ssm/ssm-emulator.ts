import { randomUUID } from 'node:crypto';
import type { SimulatedFleet } from '../fleet/simulated-fleet';
import { AwsServiceError, startAwsJsonServer, type AwsJsonOperation } from '../http/aws-json-server';
import { nodeKind } from '../../core/inventory/schema';
import { COMMAND_DOCUMENT_LIMIT_BYTES } from '../../core/step-runner/command-size';
import type { ServiceFaults } from '../faults/service-faults';
import { AccessDenied, type AuthorizationRequest } from '../iam/local-iam';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local-credentials';
import { agentRefusal } from './agent-parameter-validator';
import { resolveScript, RUN_SHELL_SCRIPT, type SsmDocumentContent } from './ssm-document';
import { CommandHost } from '../command-host/command-host';
import { SsmInvocation, STDERR_LIMIT, STDOUT_LIMIT } from './ssm-invocation';

export interface SsmEmulatorProps {
  readonly fleet: SimulatedFleet;
  /** Command documents besides AWS-RunShellScript, by name. */
  readonly documents?: Readonly<Record<string, SsmDocumentContent>>;
  /** Faults to produce (SendCommand throttling). @default none */
  readonly faults?: ServiceFaults;
  /** IAM: called with the caller's access key id and what the call needs; throws AccessDenied to refuse it. @default allow */
  readonly authorize?: (accessKeyId: string | undefined, requests: readonly AuthorizationRequest[]) => Promise<void>;
}

interface CommandRecord {
  readonly commandId: string;
  readonly documentName: string;
  /** As sent (`$DEFAULT` when none was given), as ListCommands reports it. */
  readonly documentVersion: string;
  readonly comment?: string;
  readonly parameters: Record<string, string[]>;
  readonly instanceIds: string[];
  readonly targets: unknown[];
  readonly requestedAt: Date;
  readonly timeoutSeconds: number;
  readonly maxConcurrency: string;
  readonly maxErrors: string;
  readonly invocations: SsmInvocation[];
  cancelled: boolean;
}

const MAX_INSTANCE_IDS = 50;
/** SendCommand's DocumentVersion: `$DEFAULT`, `$LATEST` or a version number (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html); documents here have version 1 only. */
const DOCUMENT_VERSIONS = new Set(['$DEFAULT', '$LATEST', '1']);
const seconds = (date?: Date): number | undefined => (date ? date.getTime() / 1000 : undefined);

/**
 * The SSM API subset the project uses, over the AWS JSON 1.1 protocol, really
 * running each command's script on the simulated node it targets.
 * Deliberate differences from AWS are listed in docs/local-runtime.md.
 */
export class SsmEmulator {
  public static async start(props: SsmEmulatorProps): Promise<SsmEmulator> {
    const emulator = new SsmEmulator(props);
    const guarded = (name: string, run: (input: Record<string, unknown>) => unknown): AwsJsonOperation => async (input, call) => {
      await emulator.authorize(name, input, call.accessKeyId);
      return run(input);
    };
    const server = await startAwsJsonServer({
      targetPrefix: 'AmazonSSM',
      jsonVersion: '1.1',
      operations: {
        SendCommand: guarded('SendCommand', (input) => emulator.sendCommand(input)),
        GetCommandInvocation: guarded('GetCommandInvocation', (input) => emulator.getCommandInvocation(input)),
        ListCommandInvocations: guarded('ListCommandInvocations', (input) => emulator.listCommandInvocations(input)),
        ListCommands: guarded('ListCommands', (input) => emulator.listCommands(input)),
        DescribeDocument: guarded('DescribeDocument', (input) => emulator.describeDocument(input)),
        CancelCommand: guarded('CancelCommand', (input) => emulator.cancelCommand(input)),
        DescribeInstanceInformation: guarded('DescribeInstanceInformation', (input) => emulator.describeInstanceInformation(input)),
        ListTagsForResource: guarded('ListTagsForResource', (input) => emulator.listTagsForResource(input)),
      },
    });
    emulator.endpoint = server.url;
    emulator.closeServer = server.close;
    emulator.host.prepare(); // off the first step's critical path
    return emulator;
  }

  public endpoint = '';
  private closeServer: () => Promise<void> = async () => undefined;
  private readonly fleet: SimulatedFleet;
  private readonly faults?: ServiceFaults;
  private readonly documents = new Map<string, SsmDocumentContent>([['AWS-RunShellScript', RUN_SHELL_SCRIPT]]);
  private readonly commands = new Map<string, CommandRecord>();
  private readonly running = new Set<Promise<void>>();
  /** Starts the nodes' scripts outside this process (command-host.ts). */
  private readonly host = new CommandHost();

  private constructor(private readonly props: SsmEmulatorProps) {
    this.fleet = props.fleet;
    this.faults = props.faults;
    for (const [name, content] of Object.entries(props.documents ?? {})) this.registerDocument(name, content);
  }

  public registerDocument(name: string, content: SsmDocumentContent | string): void {
    this.documents.set(name, typeof content === 'string' ? (JSON.parse(content) as SsmDocumentContent) : content);
  }

  /**
   * What IAM checks for each call, with the resources the Service Authorization Reference names
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html): SendCommand on
   * the document and on every target instance (EC2 `instance/i-…` or `managed-instance/mi-…`, with its
   * `ssm:resourceTag/<key>` condition keys); ListTagsForResource on the managed instance; the rest on "*".
   */
  private async authorize(operation: string, input: Record<string, unknown>, accessKeyId: string | undefined): Promise<void> {
    if (!this.props.authorize) return;
    const action = `ssm:${operation}`;
    let requests: AuthorizationRequest[];
    if (operation === 'SendCommand') {
      const name = String(input.DocumentName ?? '');
      const document = name.startsWith('AWS-') ? `arn:aws:ssm:${LOCAL_REGION}::document/${name}` : `arn:aws:ssm:${LOCAL_REGION}:${LOCAL_ACCOUNT}:document/${name}`;
      const instances = this.targetInstances(input).map((id) => ({
        action,
        resource: instanceArn(id),
        context: Object.fromEntries(Object.entries(this.tags(id)).map(([key, value]) => [`ssm:resourceTag/${key}`, value])),
      }));
      requests = [{ action, resource: document }, ...instances];
    } else if (operation === 'DescribeDocument') {
      // DescribeDocument is authorized on the document (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
      requests = [{ action, resource: `arn:aws:ssm:${LOCAL_REGION}:${LOCAL_ACCOUNT}:document/${String(input.Name ?? '')}` }];
    } else if (operation === 'ListTagsForResource') {
      requests = [{ action, resource: `arn:aws:ssm:${LOCAL_REGION}:${LOCAL_ACCOUNT}:managed-instance/${String(input.ResourceId ?? '')}` }];
    } else requests = [{ action, resource: '*' }];
    try {
      await this.props.authorize(accessKeyId, requests);
    } catch (error) {
      if (error instanceof AccessDenied) throw new AwsServiceError('AccessDeniedException', error.message);
      throw error;
    }
  }

  /** Cancels what still runs and closes the server. */
  public async stop(): Promise<void> {
    for (const command of this.commands.values()) for (const invocation of command.invocations) invocation.cancel();
    await Promise.allSettled([...this.running]);
    await this.host.stop();
    await this.closeServer();
  }

  private sendCommand(input: Record<string, unknown>): unknown {
    // Over the request rate SSM answers HTTP 400 ThrottlingException "Rate exceeded" (see service-faults.ts).
    if (this.faults && !this.faults.admitSendCommand()) throw new AwsServiceError('ThrottlingException', 'Rate exceeded');
    const documentName = String(input.DocumentName ?? '');
    const document = this.documents.get(documentName);
    if (!document) throw new AwsServiceError('InvalidDocument', `Document ${documentName} does not exist.`);
    const documentVersion = String(input.DocumentVersion ?? '$DEFAULT');
    if (!DOCUMENT_VERSIONS.has(documentVersion)) throw new AwsServiceError('InvalidDocumentVersion', `The document version is not valid or does not exist.`);
    const instanceIds = this.targetInstances(input);
    const parameters = (input.Parameters ?? {}) as Record<string, string[]>;
    assertDocumentSize(document, parameters);
    const resolved = resolveScript(document, parameters); // throws InvalidParameters before anything is sent
    const refusal = agentRefusal(document, resolved.values); // the API accepted it; each node's agent refuses it
    const command: CommandRecord = {
      commandId: randomUUID(),
      documentName,
      documentVersion,
      comment: input.Comment as string | undefined,
      parameters,
      instanceIds,
      targets: (input.Targets as unknown[]) ?? [],
      requestedAt: new Date(),
      timeoutSeconds: Number(input.TimeoutSeconds ?? 3600),
      maxConcurrency: String(input.MaxConcurrency ?? '50'),
      maxErrors: String(input.MaxErrors ?? '0'),
      invocations: [],
      cancelled: false,
    };
    command.invocations.push(...instanceIds.map((id) => new SsmInvocation(command.commandId, id, command.requestedAt)));
    this.commands.set(command.commandId, command);
    const work = this.dispatch(command, resolved.script, resolved.timeoutSeconds, resolved.workingDirectory, refusal);
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return { Command: this.describeCommand(command) };
  }

  /** InstanceIds (1–50, all known) or Targets by `tag:<key>` / `InstanceIds`. */
  private targetInstances(input: Record<string, unknown>): string[] {
    const ids = input.InstanceIds as string[] | undefined;
    const targets = input.Targets as { Key: string; Values: string[] }[] | undefined;
    if (ids && ids.length > 0) {
      if (ids.length > MAX_INSTANCE_IDS) throw new AwsServiceError('ValidationException', `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INSTANCE_IDS}`);
      for (const id of ids) if (!this.fleet.hasNode(id)) throw new AwsServiceError('InvalidInstanceId', `Instances [[${id}]] not in a valid state for account 000000000000`);
      return [...new Set(ids)];
    }
    if (targets && targets.length > 0) {
      const matched = this.fleet.nodeIds.filter((id) => targets.every((t) => this.matchesTarget(id, t)));
      if (matched.length === 0) throw new AwsServiceError('InvalidInstanceId', 'No managed instances match the given targets.');
      return matched;
    }
    throw new AwsServiceError('ValidationException', 'Either InstanceIds or Targets must be given.');
  }

  private matchesTarget(id: string, target: { Key: string; Values: string[] }): boolean {
    if (target.Key === 'InstanceIds') return target.Values.includes(id);
    if (target.Key.startsWith('tag:')) {
      const value = this.tags(id)[target.Key.slice(4)];
      return value !== undefined && target.Values.includes(value);
    }
    return false;
  }

  private tags(id: string): Record<string, string> {
    return this.fleet.tagsOf(id);
  }

  /** Rate control: at most MaxConcurrency invocations at once; once errors exceed MaxErrors, send no more. */
  private async dispatch(command: CommandRecord, script: string, executionTimeoutSeconds: number, workingDirectory?: string, refusal?: string): Promise<void> {
    const total = command.invocations.length;
    const concurrency = Math.max(1, limit(command.maxConcurrency, total));
    const maxErrors = limit(command.maxErrors, total);
    const deliveryDeadline = command.requestedAt.getTime() + command.timeoutSeconds * 1000;
    const queue = [...command.invocations];
    const active = new Set<Promise<void>>();
    const errors = () => command.invocations.filter((i) => i.terminal && i.isError).length;
    while (queue.length > 0 || active.size > 0) {
      while (queue.length > 0 && active.size < concurrency) {
        const invocation = queue.shift()!;
        if (errors() > maxErrors || command.cancelled) {
          invocation.notSent();
          continue;
        }
        const node = this.fleet.node(invocation.instanceId);
        const run = invocation.run(node, script, { host: this.host, deliveryDeadline, executionTimeoutSeconds, fleetUrl: this.fleet.url, workingDirectory, agentRefusal: refusal });
        active.add(run);
        void run.finally(() => active.delete(run));
      }
      if (active.size > 0) await Promise.race(active);
    }
  }

  private invocation(commandId: string, instanceId: string): SsmInvocation {
    const command = this.commands.get(commandId);
    const invocation = command?.invocations.find((i) => i.instanceId === instanceId);
    if (!invocation) throw new AwsServiceError('InvocationDoesNotExist', `Command ${commandId} has no invocation for instance ${instanceId}.`);
    return invocation;
  }

  private getCommandInvocation(input: Record<string, unknown>): unknown {
    const invocation = this.invocation(String(input.CommandId), String(input.InstanceId));
    const command = this.commands.get(invocation.commandId)!;
    return {
      CommandId: invocation.commandId,
      InstanceId: invocation.instanceId,
      DocumentName: command.documentName,
      Comment: command.comment,
      PluginName: 'runShellScript',
      ResponseCode: invocation.responseCode,
      ExecutionStartDateTime: invocation.startedAt?.toISOString() ?? '',
      ExecutionEndDateTime: invocation.endedAt?.toISOString() ?? '',
      ExecutionElapsedTime: elapsed(invocation),
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      StandardOutputContent: invocation.stdout.slice(0, STDOUT_LIMIT),
      StandardErrorContent: invocation.stderr.slice(0, STDERR_LIMIT),
    };
  }

  private listCommandInvocations(input: Record<string, unknown>): unknown {
    const commandId = input.CommandId as string | undefined;
    const instanceId = input.InstanceId as string | undefined;
    if (commandId && !this.commands.has(commandId)) throw new AwsServiceError('InvalidCommandId', `Command ${commandId} does not exist.`);
    const all = [...this.commands.values()]
      .filter((c) => !commandId || c.commandId === commandId)
      .flatMap((c) => c.invocations.filter((i) => !instanceId || i.instanceId === instanceId).map((i) => ({ c, i })));
    const { page, nextToken } = paginate(all, input.MaxResults as number | undefined, input.NextToken as string | undefined);
    return {
      CommandInvocations: page.map(({ c, i }) => ({
        CommandId: c.commandId,
        InstanceId: i.instanceId,
        InstanceName: i.instanceId,
        DocumentName: c.documentName,
        Comment: c.comment,
        RequestedDateTime: seconds(i.requestedAt),
        Status: i.status,
        StatusDetails: i.statusDetails,
        ...(input.Details
          ? {
              CommandPlugins: [
                {
                  Name: 'runShellScript',
                  Status: i.status,
                  StatusDetails: i.statusDetails,
                  ResponseCode: i.responseCode,
                  ResponseStartDateTime: seconds(i.startedAt),
                  ResponseFinishDateTime: seconds(i.endedAt),
                  Output: `${i.stdout}${i.stderr ? `\n----------ERROR-------\n${i.stderr}` : ''}`.slice(0, 2500),
                },
              ],
            }
          : {}),
      })),
      NextToken: nextToken,
    };
  }

  private listCommands(input: Record<string, unknown>): unknown {
    const commandId = input.CommandId as string | undefined;
    const instanceId = input.InstanceId as string | undefined;
    if (commandId && !this.commands.has(commandId)) throw new AwsServiceError('InvalidCommandId', `Command ${commandId} does not exist.`);
    const all = [...this.commands.values()].filter((c) => (!commandId || c.commandId === commandId) && (!instanceId || c.instanceIds.includes(instanceId)));
    const { page, nextToken } = paginate(all, input.MaxResults as number | undefined, input.NextToken as string | undefined);
    return { Commands: page.map((c) => this.describeCommand(c)), NextToken: nextToken };
  }

  /** Every document here has one version, 1, which is both `$DEFAULT` and `$LATEST`. */
  private describeDocument(input: Record<string, unknown>): unknown {
    const name = String(input.Name ?? '');
    if (!this.documents.has(name)) throw new AwsServiceError('InvalidDocument', `Document ${name} does not exist.`);
    if (!DOCUMENT_VERSIONS.has(String(input.DocumentVersion ?? '$DEFAULT'))) throw new AwsServiceError('InvalidDocumentVersion', `The document version is not valid or does not exist.`);
    return { Document: { Name: name, DocumentVersion: '1', DefaultVersion: '1', LatestVersion: '1', Status: 'Active', DocumentType: 'Command', SchemaVersion: '2.2' } };
  }

  private cancelCommand(input: Record<string, unknown>): unknown {
    const command = this.commands.get(String(input.CommandId));
    if (!command) throw new AwsServiceError('InvalidCommandId', `Command ${String(input.CommandId)} does not exist.`);
    const only = input.InstanceIds as string[] | undefined;
    if (!only || only.length === 0) command.cancelled = true;
    for (const invocation of command.invocations) if (!only || only.includes(invocation.instanceId)) invocation.cancel();
    return {};
  }

  private describeCommand(command: CommandRecord): Record<string, unknown> {
    const invocations = command.invocations;
    const completed = invocations.filter((i) => i.terminal).length;
    return {
      CommandId: command.commandId,
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion,
      Comment: command.comment,
      Parameters: command.parameters,
      InstanceIds: command.instanceIds,
      Targets: command.targets,
      RequestedDateTime: seconds(command.requestedAt),
      Status: aggregateStatus(command),
      StatusDetails: aggregateStatus(command),
      MaxConcurrency: command.maxConcurrency,
      MaxErrors: command.maxErrors,
      TimeoutSeconds: command.timeoutSeconds,
      TargetCount: invocations.length,
      CompletedCount: completed,
      ErrorCount: invocations.filter((i) => i.terminal && i.isError).length,
      DeliveryTimedOutCount: invocations.filter((i) => i.statusDetails === 'DeliveryTimedOut').length,
    };
  }

  private describeInstanceInformation(input: Record<string, unknown>): unknown {
    const filters = [
      ...((input.Filters as { Key: string; Values: string[] }[] | undefined) ?? []),
      ...((input.InstanceInformationFilterList as { key: string; valueSet: string[] }[] | undefined) ?? []).map((f) => ({ Key: f.key, Values: f.valueSet })),
    ];
    const rows = this.fleet.nodeIds
      .map((id, index) => {
        const node = this.fleet.node(id);
        return {
          InstanceId: id,
          PingStatus: node.agentOnline ? 'Online' : 'ConnectionLost',
          LastPingDateTime: Date.now() / 1000,
          AgentVersion: (node.platformRelease('node-agent') ?? '') || '0.0.0',
          IsLatestVersion: true,
          PlatformType: 'Linux',
          PlatformName: 'Simulated Linux',
          PlatformVersion: '1',
          // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html: EC2Instance or ManagedInstance.
          ResourceType: nodeKind(id) === 'ec2' ? 'EC2Instance' : 'ManagedInstance',
          ...(nodeKind(id) === 'hybrid' ? { Name: this.fleet.nameOf(id) } : {}),
          IPAddress: `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`,
          ComputerName: this.fleet.nameOf(id),
        };
      })
      .filter((row) =>
        filters.every((f) => {
          if (f.Key === 'InstanceIds') return f.Values.includes(row.InstanceId);
          if (f.Key === 'PingStatus') return f.Values.includes(row.PingStatus);
          if (f.Key.startsWith('tag:')) return f.Values.includes(this.tags(row.InstanceId)[f.Key.slice(4)] ?? '\u0000');
          if (f.Key.startsWith('tag-key')) return f.Values.some((k) => k in this.tags(row.InstanceId));
          return true;
        }),
      );
    const { page, nextToken } = paginate(rows, input.MaxResults as number | undefined, input.NextToken as string | undefined);
    return { InstanceInformationList: page, NextToken: nextToken };
  }

  /**
   * ResourceType ManagedInstance names hybrid nodes only (`mi-…`): "ManagedInstance: mi-012345abcde"
   * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html, ResourceId).
   * An EC2 instance id is InvalidResourceId, as on AWS; its tags come from EC2 DescribeTags.
   * Readable simulated ids (neither `i-` nor `mi-`, which AWS never has) count as hybrid nodes.
   */
  private listTagsForResource(input: Record<string, unknown>): unknown {
    const id = String(input.ResourceId ?? '');
    if (input.ResourceType !== 'ManagedInstance' || nodeKind(id) !== 'hybrid' || !this.fleet.hasNode(id)) throw new AwsServiceError('InvalidResourceId', `The resource ID "${id}" is not valid. Verify the ID and try again.`);
    return { TagList: Object.entries(this.tags(id)).map(([Key, Value]) => ({ Key, Value })) };
  }
}

/**
 * The document's content and the parameter values given at run time share one
 * 64 KB quota (API_CreateDocument, `Content`:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html);
 * SendCommand refuses more with MaxDocumentSizeExceeded.
 */
function assertDocumentSize(document: SsmDocumentContent, parameters: Readonly<Record<string, readonly string[]>>): void {
  const content = Buffer.byteLength(JSON.stringify(document), 'utf8');
  const values = Object.values(parameters).flat().reduce((sum, value) => sum + Buffer.byteLength(String(value), 'utf8'), 0);
  if (content + values > COMMAND_DOCUMENT_LIMIT_BYTES) {
    throw new AwsServiceError('MaxDocumentSizeExceeded', `The document and its parameters are ${content + values} bytes; the limit is ${COMMAND_DOCUMENT_LIMIT_BYTES} bytes.`);
  }
}

/** The ARN IAM evaluates SendCommand against for a node: an EC2 instance or a hybrid managed instance. */
function instanceArn(id: string): string {
  return nodeKind(id) === 'ec2' ? `arn:aws:ec2:${LOCAL_REGION}:${LOCAL_ACCOUNT}:instance/${id}` : `arn:aws:ssm:${LOCAL_REGION}:${LOCAL_ACCOUNT}:managed-instance/${id}`;
}

/** "10" or "10%" of `total` (a percentage rounds down, but never below 1 when total > 0). */
function limit(value: string, total: number): number {
  if (value.endsWith('%')) return Math.max(total > 0 ? 1 : 0, Math.floor((total * Number(value.slice(0, -1))) / 100));
  return Number(value);
}

function aggregateStatus(command: CommandRecord): string {
  const statuses = command.invocations.map((i) => i.status);
  if (statuses.some((s) => s === 'Pending' || s === 'InProgress' || s === 'Cancelling' || s === 'Delayed')) {
    if (command.cancelled) return 'Cancelling';
    return statuses.every((s) => s === 'Pending') ? 'Pending' : 'InProgress';
  }
  if (statuses.every((s) => s === 'Success')) return 'Success';
  if (statuses.some((s) => s === 'Failed')) return 'Failed';
  if (statuses.some((s) => s === 'TimedOut')) return 'TimedOut';
  return 'Cancelled';
}

function elapsed(invocation: SsmInvocation): string {
  if (!invocation.startedAt) return 'PT0S';
  const end = invocation.endedAt ?? new Date();
  return `PT${((end.getTime() - invocation.startedAt.getTime()) / 1000).toFixed(3)}S`;
}

function paginate<T>(items: readonly T[], maxResults = 50, nextToken?: string): { page: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) : 0;
  const page = items.slice(start, start + maxResults);
  const next = start + maxResults < items.length ? Buffer.from(String(start + maxResults)).toString('base64') : undefined;
  return { page, nextToken: next };
}
