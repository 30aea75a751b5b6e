import type { CheckpointKey } from '../../aws/store/checkpoint-store';
import type { NodeClaim } from '../../aws/store/node-slots';
import type { UpdateRecord } from '../../aws/store/update-store';
import type { Manifest, Service } from '../../core/manifest/schema';
import type { Plan } from '../../core/plan/types';
import type { RolloutModel } from '../../core/schedule';
import { nodeClaim } from '../node-claim';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';
import { platformHolder, serviceHolder } from './rollout-holders';
import type { RolloutLedger } from './rollout-ledger';

/**
 * What the work of every claim in one rollout task invocation shares, and the bookkeeping they all do the same
 * way: the checkpoint keys (the same a status, a timeline and a resume read), the claims' DynamoDB form, a
 * service's own checkpoint as its replicas get done or one fails.
 */
export class RolloutRun {
  private readonly begun = new Set<string>();
  private readonly ended = new Set<string>();

  public constructor(
    public readonly context: WorkflowContext,
    public readonly input: TaskInput,
    public readonly record: UpdateRecord,
    public readonly plan: Plan,
    public readonly model: RolloutModel,
    public readonly ledger: RolloutLedger,
    /** When this invocation hands back to the state machine's poll loop. */
    public readonly deadline: number,
    /** How long a step took on the canary (expected-duration.ts), by canary step name. */
    public readonly expectedOnCanary: (step: string) => Promise<number | undefined>,
  ) {}

  public get manifest(): Manifest {
    return this.record.manifest;
  }

  public get guard() {
    return guardOf(this.input);
  }

  public nodeKey(node: string, step: string): CheckpointKey {
    return { updateId: this.input.updateId, phase: 'wave', target: node, step };
  }

  public serviceKey(service: string, step = 'service'): CheckpointKey {
    return { updateId: this.input.updateId, phase: 'service', target: service, step };
  }

  public service(name: string): Service {
    return this.manifest.services.find((s) => s.name === name)!;
  }

  /** The long-running services a node hosts (the ones a check of the node looks at). */
  public servicesOn(node: string): Service[] {
    return (this.model.hosted.get(node) ?? []).map((name) => this.service(name));
  }

  public platformClaim(node: string): NodeClaim {
    const services = (this.model.hosted.get(node) ?? []).map((name) => ({ name, budget: this.plan.outageBudget[name] ?? 0 }));
    return nodeClaim(this.input, this.context.settings, node, platformHolder(this.plan, node), services);
  }

  public serviceClaim(service: string, node: string): NodeClaim {
    const services = this.model.oneOffs.has(service) ? [] : [{ name: service, budget: this.plan.outageBudget[service] ?? 0 }];
    return nodeClaim(this.input, this.context.settings, node, serviceHolder(service), services);
  }

  public isDone(service: string): boolean {
    if (this.model.oneOffs.has(service)) return this.ledger.hasRun(service);
    return (this.model.replicas.get(service) ?? []).every((node) => this.ledger.isReplicaDone(service, node));
  }

  /** The service's own checkpoint RUNNING once work on it starts in this invocation (status shows it updating). */
  public async serviceStarted(service: string): Promise<void> {
    if (this.begun.has(service)) return;
    this.begun.add(service);
    const current = await this.context.checkpoints.get(this.serviceKey(service));
    if (current?.status !== 'SUCCEEDED' && current?.status !== 'RUNNING') await this.context.checkpoints.begin(this.serviceKey(service), this.guard, { current });
  }

  /** SUCCEEDED once every replica is done (or the one-off ran). */
  public async serviceProgressed(service: string): Promise<void> {
    if (this.ended.has(service) || !this.isDone(service) || this.ledger.hasFailed(service)) return;
    this.ended.add(service);
    await this.succeed(this.serviceKey(service));
  }

  /**
   * Writes SUCCEEDED on `key` unless it says so already (a FAILED or SKIPPED one of an earlier run begins again
   * first). Each write is given what was read or written just before (ReadCheckpoint): one read in all.
   */
  public async succeed(key: CheckpointKey, output?: string): Promise<void> {
    let current = await this.context.checkpoints.get(key);
    if (current?.status === 'SUCCEEDED') return;
    if (current?.status === 'FAILED' || current?.status === 'SKIPPED') current = await this.context.checkpoints.begin(key, this.guard, { current });
    await this.context.checkpoints.succeed(key, this.guard, { output }, { current });
  }

  /** The service FAILED in this run with `error` (its dependents are skipped by the scheduler). */
  public async serviceFailed(service: string, error: string): Promise<void> {
    this.ledger.serviceFailed(service);
    if (this.ended.has(service)) return;
    this.ended.add(service);
    const key = this.serviceKey(service);
    let current = await this.context.checkpoints.get(key);
    if (current?.status === 'FAILED' && current.fence === this.input.fence) return;
    if (current?.status !== 'RUNNING') current = await this.context.checkpoints.begin(key, this.guard, { current });
    await this.context.checkpoints.fail(key, this.guard, { error }, { current });
  }

  /** Writes `status` with `details` on `key` unless it already says so in this run. */
  public async settle(key: CheckpointKey, status: 'SKIPPED' | 'FAILED', text: string): Promise<void> {
    let current = await this.context.checkpoints.get(key);
    if (current?.status === 'SUCCEEDED' || (current?.status === status && current.fence === this.input.fence)) return;
    if (status === 'SKIPPED') {
      await this.context.checkpoints.skip(key, this.guard, { reason: text });
      return;
    }
    if (current?.status !== 'RUNNING') current = await this.context.checkpoints.begin(key, this.guard, { current });
    await this.context.checkpoints.fail(key, this.guard, { error: text }, { current });
  }
}
