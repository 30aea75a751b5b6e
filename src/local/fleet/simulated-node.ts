import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandHost } from '../command-host/command-host';
import { CU_NODE_CLIENT_SCRIPT, CU_NODE_PORTS_DIRECTORY } from './cu-node-command';
import { ServiceReplica } from './service-replica';

/** What a node reports about itself (`GET /nodes` on the fleet controller). */
export interface NodeReport {
  readonly id: string;
  readonly online: boolean;
  readonly drained: boolean;
  readonly root: string;
  /** Platform step → installed release. */
  readonly platform: Readonly<Record<string, string>>;
  /** The release all platform steps agree on, else null (mid-update). */
  readonly release: string | null;
  readonly agentRelease: string | null;
  readonly services: readonly { name: string; release: string; pid?: number; port: number; running: boolean; healthy: boolean; startedAt?: string }[];
  readonly oneOffs: Readonly<Record<string, string>>;
}

export interface SimulatedNodeProps {
  readonly id: string;
  readonly root: string;
  readonly services: readonly string[];
  readonly release: string;
  readonly platformSteps: readonly string[];
  readonly agentStep?: string;
  readonly ports: ReadonlyMap<string, number>;
  /** Starts the replicas' processes; none: replicas without processes. */
  readonly processHost?: CommandHost;
}

/**
 * A simulated server: its own root directory holding the platform state as
 * files, and its long-running services as real processes.
 */
export class SimulatedNode {
  public readonly id: string;
  public readonly root: string;
  public online = true;
  public drained = false;
  /** When the agent is restarting after a self-update, until this time. */
  public agentRestartingUntil = 0;
  public readonly replicas: ReadonlyMap<string, ServiceReplica>;
  private readonly platformSteps: readonly string[];
  private readonly agentStep?: string;

  public constructor(props: SimulatedNodeProps) {
    this.id = props.id;
    this.root = props.root;
    this.platformSteps = props.platformSteps;
    this.agentStep = props.agentStep;
    for (const dir of ['etc/platform', 'bin', 'var/log', 'var/lib/oneoffs', 'run', CU_NODE_PORTS_DIRECTORY]) mkdirSync(join(this.root, dir), { recursive: true });
    for (const step of props.platformSteps) {
      if (!existsSync(this.platformFile(step))) writeFileSync(this.platformFile(step), props.release);
    }
    const wrapper = join(this.root, 'bin', 'cu-node');
    writeFileSync(wrapper, CU_NODE_CLIENT_SCRIPT);
    chmodSync(wrapper, 0o755);
    this.replicas = new Map(
      props.services.map((service) => [
        service,
        new ServiceReplica(service, this.id, props.ports.get(service)!, props.release, join(this.root, 'var/log', `${service}.log`), props.processHost, join(this.root, CU_NODE_PORTS_DIRECTORY, service)),
      ]),
    );
  }

  /** The SSM agent answers (PingStatus Online) when the node is up and not restarting its agent. */
  public get agentOnline(): boolean {
    return this.online && Date.now() >= this.agentRestartingUntil;
  }

  public platformRelease(step: string): string | undefined {
    const file = this.platformFile(step);
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  public installPlatform(step: string, release: string): void {
    writeFileSync(this.platformFile(step), release);
  }

  public oneOffRelease(service: string): string | undefined {
    const file = join(this.root, 'var/lib/oneoffs', service);
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  public recordOneOff(service: string, release: string | undefined): void {
    const file = join(this.root, 'var/lib/oneoffs', service);
    if (release === undefined) rmSync(file, { force: true });
    else writeFileSync(file, release);
  }

  public async startServices(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((r) => r.start(r.release)));
  }

  public async stopServices(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((r) => r.stop()));
  }

  public async report(): Promise<NodeReport> {
    const platform: Record<string, string> = {};
    for (const step of this.platformSteps) platform[step] = this.platformRelease(step) ?? '';
    const releases = new Set(Object.values(platform));
    const services = await Promise.all(
      [...this.replicas.values()].map(async (r) => {
        const health = await r.health();
        return { name: r.service, release: r.release, pid: r.pid, port: r.port, running: r.running, healthy: health.healthy, startedAt: r.startedAt };
      }),
    );
    const oneOffs: Record<string, string> = {};
    try {
      const { readdirSync } = await import('node:fs');
      for (const name of readdirSync(join(this.root, 'var/lib/oneoffs'))) oneOffs[name] = this.oneOffRelease(name) ?? '';
    } catch {
      /* no one-offs yet */
    }
    return {
      id: this.id,
      online: this.online,
      drained: this.drained,
      root: this.root,
      platform,
      release: releases.size === 1 ? [...releases][0]! || null : null,
      agentRelease: this.agentStep ? (this.platformRelease(this.agentStep) ?? null) : null,
      services,
      oneOffs,
    };
  }

  private platformFile(step: string): string {
    return join(this.root, 'etc/platform', step);
  }
}
