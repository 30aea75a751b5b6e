import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { parse, stringify } from 'yaml';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import { parseInventory } from '../../src/core/inventory/parse-inventory';
import type { Inventory } from '../../src/core/inventory/schema';
import { parseManifest } from '../../src/core/manifest/parse-manifest';
import type { Manifest } from '../../src/core/manifest/schema';
import { LOCAL_CREDENTIALS } from '../../src/local/local-credentials';
import { readLocalState, type LocalState } from '../../src/local/local-state';
import { AvailabilityObserver, fleetNodes, type AvailabilityEvidence } from './availability-observer';
import { CliDriver, type CliResult } from './cli-driver';
import { exactlyOnce, historyLimits, leftBehind, neverTwoCopies, staleWrites, type ExactlyOnceEvidence, type LeftBehindEvidence, type LimitsEvidence, type NeverTwoCopiesEvidence } from './end-state';
import { describeFault, drawFaults, type CatalogueOptions, type ChaosTargets, type ScheduledFault } from './fault-catalogue';
import { LockObserver, type LockEvidence } from './lock-observer';
import { SeededRandom } from './seeded-random';

/** Every invariant of issue #14 with its verdict and the evidence behind it. */
export interface ChaosRecord {
  readonly seed: number;
  readonly updateId: string;
  readonly release: string;
  readonly faults: readonly string[];
  /** The task faults (crash points, Lambda timeouts) armed, how many fired, and those that met no matching point. */
  readonly taskFaults: { readonly armed: number; readonly fired: number; readonly unfired: readonly string[] };
  readonly operatorActions: readonly { action: string; atMs: number; code: number; said: string }[];
  readonly resumes: number;
  readonly durationMs: number;
  readonly finalStatus: string;
  readonly invariants: {
    readonly availability: { held: boolean; evidence: AvailabilityEvidence };
    readonly exactlyOnce: { held: boolean; evidence: ExactlyOnceEvidence };
    readonly neverTwoCopies: { held: boolean; evidence: NeverTwoCopiesEvidence };
    readonly convergence: { held: boolean; evidence: { status: string; error?: string; nodesNotAtRelease: string[]; replicasNotAtRelease: string[] } };
    readonly oneActor: { held: boolean; evidence: LockEvidence & { staleWrites: readonly string[]; secondUpdateAccepted: boolean; unlockAcceptedWhileRunning: boolean } };
    readonly nothingLeftBehind: { held: boolean; evidence: LeftBehindEvidence };
    readonly withinLimits: { held: boolean; evidence: LimitsEvidence };
  };
  readonly converged: boolean;
  readonly held: boolean;
  readonly repro: string;
}

export interface ChaosBatchOptions {
  readonly runDirectory: string;
  readonly manifestPath: string;
  readonly inventoryPath: string;
  /** Resumes an operator tries before the run counts as not converged. @default 4 */
  readonly maxResumes?: number;
  /** How many faults, in which window. @default the catalogue's */
  readonly catalogue?: CatalogueOptions;
}

const HISTORY_EVENT_LIMIT = 25_000;

/**
 * One local runtime for a batch of runs; each run updates the fleet to a
 * release of its own (7.2.<k>), so runs never see each other's ledgers.
 */
export class ChaosBatch {
  public static async start(options: ChaosBatchOptions): Promise<ChaosBatch> {
    const cli = new CliDriver(options.runDirectory);
    const up = await cli.run(['local', 'up', '--run-dir', options.runDirectory, '-m', options.manifestPath, '--inventory', options.inventoryPath]);
    if (up.code !== 0) throw new Error(`local up failed (${up.code}): ${up.stderr}`);
    return new ChaosBatch(options, cli, readLocalState(options.runDirectory));
  }

  private clients: AwsClients;
  /** Set while the control plane is down on purpose: the update is not over, only unreachable. */
  private controlPlaneDown = false;
  private readonly baseManifest: Manifest;
  private readonly inventory: Inventory;
  private currentRelease: string;
  private runs = 0;
  /** Nodes a node-stop fault has stopped and no start has brought back yet. */
  private readonly stoppedNodes = new Set<string>();
  /** The fleet controller's count of task faults fired, as of the end of the last run. */
  private taskFaultsFired = 0;

  private constructor(private readonly options: ChaosBatchOptions, private readonly cli: CliDriver, private state: LocalState) {
    this.clients = ChaosBatch.clientsFor(state);
    this.baseManifest = parseManifest(readFileSync(options.manifestPath, 'utf8'));
    this.inventory = parseInventory(readFileSync(options.inventoryPath, 'utf8'));
    this.currentRelease = this.baseManifest.previous ?? this.baseManifest.release;
  }

  private static clientsFor(state: LocalState): AwsClients {
    return createAwsClients({ region: state.region, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: state.endpoints.dynamodb, ssm: state.endpoints.ssm, stepfunctions: state.endpoints.stepfunctions } });
  }

  /** `kill -9` of `local serve` and, `downMs` later, `local up` again: the fleet and its services keep running meanwhile. */
  private async crashControlPlane(downMs: number): Promise<CliResult> {
    this.controlPlaneDown = true;
    try {
      process.kill(this.state.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      const up = await this.cli.run(['local', 'up', '--run-dir', this.options.runDirectory, '-m', this.options.manifestPath, '--inventory', this.options.inventoryPath]);
      this.state = readLocalState(this.options.runDirectory);
      const old = this.clients;
      this.clients = ChaosBatch.clientsFor(this.state);
      old.destroy();
      return up;
    } finally {
      this.controlPlaneDown = false;
    }
  }

  public async stop(): Promise<void> {
    this.clients.destroy();
    await this.cli.run(['local', 'down', '--run-dir', this.options.runDirectory], 60_000);
  }

  /** One seeded run: start, faults at random moments, clear, resume until the update ends; then every invariant. */
  public async run(seed: number): Promise<ChaosRecord> {
    this.runs += 1;
    const random = new SeededRandom(seed);
    const release = `7.2.${100 + this.runs}`;
    const updateId = `chaos-${seed}-${this.runs}`;
    const manifestPath = this.writeManifest(release);
    const targets = this.targets();
    const faults = drawFaults(random, targets, this.options.catalogue);
    const excused = new ExcusedReplicas();
    const availability = new AvailabilityObserver(this.state.endpoints.fleet, this.minHealthy(), {
      excused: (service, node) => excused.has(service, node),
      serving: (service, node) => excused.seenServing(service, node),
    });
    const replicasOf = (key: string): string[] => (key.includes('@') ? [key] : (this.inventory.nodes.find((n) => n.id === key)?.services ?? []).map((s) => `${s}@${key}`));
    const lock = new LockObserver(() => this.clients.documents, this.state.tableName, this.state.cluster);
    const operatorActions: { action: string; atMs: number; code: number; said: string }[] = [];
    let secondUpdateAccepted = false;
    let unlockAcceptedWhileRunning = false;

    const started = Date.now();
    await availability.start();
    lock.start();
    const start = await this.cli.run(['start', '-m', manifestPath, '--update-id', updateId]);
    if (start.code !== 0) throw new Error(`start failed (${start.code}): ${start.stderr}`);

    // Faults fire on their own clock while the update runs.
    const active = new Map<ScheduledFault, boolean>();
    const timers: Promise<void>[] = faults.map(async (fault) => {
      await sleepUntil(started + fault.atMs);
      if (fault.type === 'control-plane-crash') {
        const up = await this.crashControlPlane(fault.downMs);
        operatorActions.push({ action: 'control-plane-crash, then local up', atMs: fault.atMs, code: up.code, said: firstLine(up) });
        return;
      }
      if (fault.type === 'task') {
        const armed = await this.cli.run(['local', 'fault', fault.kind, fault.kind === 'task-crash' ? '--point' : '--task', fault.match, '--run-dir', this.options.runDirectory]);
        operatorActions.push({ action: `local fault ${fault.kind} ${fault.match}`, atMs: Date.now() - started, code: armed.code, said: firstLine(armed) });
        return;
      }
      if (fault.type === 'operator') {
        const running = (await this.cli.status(updateId)).status === 'RUNNING';
        if (!running) return void operatorActions.push({ action: `${fault.action} (skipped: update not running)`, atMs: fault.atMs, code: 0, said: '' });
        const result = await this.operator(fault.action, updateId, manifestPath);
        operatorActions.push({ action: fault.action, atMs: Date.now() - started, code: result.code, said: firstLine(result) });
        if (fault.action === 'second-start' && result.code === 0) secondUpdateAccepted = true;
        if (fault.action === 'unlock-force' && result.code === 0) unlockAcceptedWhileRunning = true;
        return;
      }
      active.set(fault, true);
      excused.add(fault);
      await this.applyFleetFaults([...active.keys()]);
      if (fault.clearAtMs !== undefined) {
        await sleepUntil(started + fault.clearAtMs);
        active.delete(fault);
        excused.remove(fault, replicasOf);
        await this.applyFleetFaults([...active.keys()]);
      }
    });

    // The update runs until it ends or the faults' window and some more have passed; then the operator fixes everything.
    await this.untilEnded(updateId, started + (this.options.catalogue?.windowMs ?? 20_000) + 70_000);
    await Promise.all(timers);
    const taskFaults = await this.disarmTaskFaults(faults.filter((f) => f.type === 'task').length);
    for (const fault of active.keys()) excused.remove(fault, replicasOf);
    active.clear();
    await this.applyFleetFaults([]);

    // The operator: waits while it runs, resumes what ended without succeeding, as often as it takes (bounded).
    let resumes = 0;
    let status = await this.untilEnded(updateId, Date.now() + 180_000);
    while (status !== 'SUCCEEDED' && resumes < (this.options.maxResumes ?? 4)) {
      if (status === 'RUNNING') {
        status = await this.untilEnded(updateId, Date.now() + 120_000);
        if (status === 'RUNNING') break;
        continue;
      }
      resumes += 1;
      const resume = await this.cli.run(['resume', updateId, '--watch']);
      if (resume.code === 2) operatorActions.push({ action: 'resume refused', atMs: Date.now() - started, code: 2, said: firstLine(resume) });
      status = await this.untilEnded(updateId, Date.now() + 180_000);
    }
    const final = await this.cli.status(updateId);
    const availabilityEvidence = await availability.stop();
    const lockEvidence = await lock.stop();

    const nodes = await fleetNodes(this.state.endpoints.fleet);
    const nodesNotAtRelease = nodes.filter((n) => n.release !== release).map((n) => `${n.id}@${n.release ?? 'mixed'}`);
    const replicasNotAtRelease = nodes.flatMap((n) => n.services.filter((s) => s.release !== release).map((s) => `${s.name}@${n.id}=${s.release}`));
    const once = await exactlyOnce(this.state.endpoints.fleet, started, release, {
      nodes: targets.nodes,
      platformSteps: targets.platformSteps,
      services: targets.services,
      oneOffs: targets.oneOffs,
      hooks: [...this.baseManifest.hooks.preUpdate.map((h) => ({ name: h.name, phase: 'pre' })), ...this.baseManifest.hooks.postUpdate.map((h) => ({ name: h.name, phase: 'post' }))],
    });
    const copies = neverTwoCopies(this.options.runDirectory, targets.nodes, updateId);
    const left = await leftBehind(this.clients, this.state.tableName, this.state.cluster, this.state.endpoints.fleet);
    const limits = await historyLimits(this.clients.sfn, this.state.stateMachineArn, updateId);
    const stale = await staleWrites(this.clients.documents, this.state.tableName, updateId, (f) => lock.firstSeenAbove(f));

    const converged = final.status === 'SUCCEEDED' && nodesNotAtRelease.length === 0 && replicasNotAtRelease.length === 0;
    const invariants = {
      availability: { held: availabilityEvidence.violations.length === 0, evidence: availabilityEvidence },
      exactlyOnce: { held: once.notOnce.length === 0, evidence: once },
      neverTwoCopies: { held: copies.ranTwice.length === 0 && copies.overlaps.length === 0, evidence: copies },
      convergence: { held: converged, evidence: { status: final.status, ...(final.error ? { error: final.error } : {}), nodesNotAtRelease, replicasNotAtRelease } },
      oneActor: {
        held: lockEvidence.fenceDecreases.length === 0 && stale.staleWrites.length === 0 && !secondUpdateAccepted && !unlockAcceptedWhileRunning,
        evidence: { ...lockEvidence, staleWrites: stale.staleWrites, secondUpdateAccepted, unlockAcceptedWhileRunning },
      },
      nothingLeftBehind: {
        held: left.lock.state === 'FREE' && left.heldMutexes.length === 0 && left.heldSlots.length === 0 && left.commandsInProgress.length === 0 && left.nodesDrainedOrDown.length === 0,
        evidence: left,
      },
      withinLimits: { held: limits.largestHistoryEvents < HISTORY_EVENT_LIMIT, evidence: limits },
    };
    await this.resetAfter(updateId, converged);
    return {
      seed,
      updateId,
      release,
      faults: faults.map(describeFault),
      taskFaults,
      operatorActions,
      resumes,
      durationMs: Date.now() - started,
      finalStatus: final.status,
      invariants,
      converged,
      held: Object.values(invariants).every((i) => i.held),
      repro: `npm run chaos -- --runs 1 --seed ${seed} --manifest ${this.options.manifestPath} --inventory ${this.options.inventoryPath}`,
    };
  }

  private async operator(action: 'stop' | 'stop-now' | 'second-start' | 'unlock-force', updateId: string, manifestPath: string): Promise<CliResult> {
    switch (action) {
      case 'stop':
        return this.cli.run(['stop', updateId]);
      case 'stop-now':
        return this.cli.run(['stop', updateId, '--now']);
      case 'second-start':
        return this.cli.run(['start', '-m', manifestPath, '--update-id', `${updateId}-intruder`]);
      case 'unlock-force':
        return this.cli.run(['unlock', '--force', '--cluster', this.state.cluster]);
    }
  }

  /** What the run's task faults did; those that met no matching point are disarmed, so the next run starts clean. */
  private async disarmTaskFaults(armed: number): Promise<ChaosRecord['taskFaults']> {
    const fleet = this.state.endpoints.fleet;
    const before = this.taskFaultsFired;
    // The control plane reports what fired twice a second (ServiceFaultsMirror).
    await new Promise((r) => setTimeout(r, 1_500));
    const answer = (await (await fetch(`${fleet}/task-faults`)).json()) as { faults: { kind: string; match: string }[]; fired: number };
    await fetch(`${fleet}/task-faults`, { method: 'DELETE' });
    this.taskFaultsFired = answer.fired;
    return { armed, fired: answer.fired - before, unfired: answer.faults.map((f) => `${f.kind} ${f.match}`) };
  }

  /** The fleet's fault list is replaced as a whole: what is still active is injected again after a clear. */
  private async applyFleetFaults(faults: readonly ScheduledFault[]): Promise<void> {
    const fleet = this.state.endpoints.fleet;
    await fetch(`${fleet}/faults`, { method: 'DELETE' });
    for (const fault of faults) if (fault.type === 'fleet') await fetch(`${fleet}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault.fault) });
    await fetch(`${fleet}/service-faults`, { method: 'DELETE' });
    const service = Object.assign({}, ...faults.map((f) => (f.type === 'service' ? f.settings : {}))) as Record<string, number>;
    if (Object.keys(service).length > 0) await fetch(`${fleet}/service-faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(service) });
    // Only nodes whose state changes are told: a node stopped by a fault that ended is started, one a new
    // fault stops is stopped; the others are left alone (a start is never sent to a node that is up).
    const down = new Set(faults.filter((f) => f.type === 'node-stop').map((f) => (f as { node: string }).node));
    for (const node of this.state.nodes) {
      const change = down.has(node) && !this.stoppedNodes.has(node) ? 'stop' : !down.has(node) && this.stoppedNodes.has(node) ? 'start' : undefined;
      if (!change) continue;
      await fetch(`${fleet}/nodes/${encodeURIComponent(node)}/${change}`, { method: 'POST' });
      if (change === 'stop') this.stoppedNodes.add(node);
      else this.stoppedNodes.delete(node);
    }
  }

  /** Waits while the update's current execution runs; returns the update's status. */
  private async untilEnded(updateId: string, deadline: number): Promise<string> {
    for (;;) {
      if (this.controlPlaneDown) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const status = await this.cli.status(updateId);
      const running = status.status === 'RUNNING' && (status.executionArn === null || (await this.executionRunning(status.executionArn)));
      if ((!running && !this.controlPlaneDown) || Date.now() > deadline) return status.status;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async executionRunning(executionArn: string): Promise<boolean> {
    const described = await this.clients.sfn.send(new DescribeExecutionCommand({ executionArn })).catch(() => undefined);
    return described?.status === 'RUNNING';
  }

  /** A run that did not converge must not poison the next: the operator frees the cluster. */
  private async resetAfter(updateId: string, converged: boolean): Promise<void> {
    if (converged) {
      this.currentRelease = `7.2.${100 + this.runs}`;
      return;
    }
    await this.cli.run(['stop', updateId, '--now']);
    await this.cli.run(['unlock', '--force', '--cluster', this.state.cluster]);
  }

  private writeManifest(release: string): string {
    const document = parse(readFileSync(this.options.manifestPath, 'utf8')) as Record<string, unknown>;
    document.release = release;
    document.previous = this.currentRelease;
    const path = join(this.options.runDirectory, `chaos-${release}.yaml`);
    writeFileSync(path, stringify(document));
    return path;
  }

  private targets(): ChaosTargets {
    const manifest = this.baseManifest;
    const services: Record<string, string[]> = {};
    for (const node of this.inventory.nodes) for (const service of node.services ?? []) {
      const declared = manifest.services.find((s) => s.name === service);
      if (declared && !declared.oneOff) (services[service] ??= []).push(node.id);
    }
    return {
      nodes: this.inventory.nodes.map((n) => n.id),
      platformSteps: manifest.platform.map((p) => p.name),
      services,
      oneOffs: manifest.services.filter((s) => s.oneOff).map((s) => s.name),
      hooks: [...manifest.hooks.preUpdate, ...manifest.hooks.postUpdate].map((h) => h.name),
    };
  }

  private minHealthy(): Record<string, number> {
    return Object.fromEntries(this.baseManifest.services.filter((s) => !s.oneOff).map((s) => [s.name, s.minHealthy ?? 0]));
  }
}

/**
 * Replicas the run's own faults took down (a stopped node, a failed or
 * unhealthy update of that replica, a failed platform step on its node): from
 * the fault until the replica is seen serving again after the fault ended.
 * Only those are excused; the workflow taking out any other replica is not.
 */
class ExcusedReplicas {
  private readonly nodes = new Map<string, Set<ScheduledFault>>();
  private readonly replicas = new Map<string, Set<ScheduledFault>>();
  private readonly recovering = new Set<string>();

  public add(fault: ScheduledFault): void {
    for (const [map, key] of this.keys(fault)) (map.get(key) ?? map.set(key, new Set()).get(key)!).add(fault);
  }

  /** The fault ended: what it took down stays excused until it serves again. */
  public remove(fault: ScheduledFault, replicasOf: (key: string) => string[]): void {
    for (const [map, key] of this.keys(fault)) {
      map.get(key)?.delete(fault);
      if (map.get(key)?.size === 0) {
        map.delete(key);
        for (const replica of replicasOf(key)) this.recovering.add(replica);
      }
    }
  }

  public seenServing(service: string, node: string): void {
    this.recovering.delete(`${service}@${node}`);
  }

  public has(service: string, node: string): boolean {
    return this.nodes.has(node) || this.replicas.has(`${service}@${node}`) || this.recovering.has(`${service}@${node}`);
  }

  private keys(fault: ScheduledFault): [Map<string, Set<ScheduledFault>>, string][] {
    if (fault.type === 'node-stop') return [[this.nodes, fault.node]];
    if (fault.type !== 'fleet') return [];
    if (fault.fault.operation === 'platform-install' && fault.fault.node) return [[this.nodes, fault.fault.node]];
    if (fault.fault.operation === 'service-update' && fault.fault.node) return [[this.replicas, `${fault.fault.name}@${fault.fault.node}`]];
    return [];
  }
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
}

function firstLine(result: CliResult): string {
  return (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
}
