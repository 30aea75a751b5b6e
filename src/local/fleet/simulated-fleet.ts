import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { InputError } from '../../core/errors';
import { CommandHost } from '../command-host/command-host';
import { freePort } from '../free-port';
import { readBody, sendJson } from '../http/json-body';
import { closeServer, listenOnLoopback } from '../http/listen';
import type { ServiceFaults } from '../faults/service-faults';
import { TaskFaults, type ArmedTaskFault } from '../faults/task-faults';
import { CU_NODE_USAGE, parseCuNodeCommand } from './cu-node-command';
import { faultMatches, type FleetFault, type FleetOperation, type FleetOperationKind } from './fleet-fault';
import { SimulatedNode, type NodeReport } from './simulated-node';

export interface SimulatedFleetProps {
  /** Node roots go under `<runDirectory>/nodes/<id>/`. */
  readonly runDirectory: string;
  readonly cluster: string;
  readonly nodes: readonly { readonly id: string; readonly name?: string; readonly services: readonly string[]; readonly healthy?: boolean }[];
  /** The release every node starts at (the manifest's `previous`). */
  readonly release: string;
  readonly platformSteps: readonly string[];
  /** Steps whose install restarts the node agent. @default ['node-agent'] ∩ platformSteps */
  readonly selfUpdatingSteps?: readonly string[];
  /** Run real service processes. false = fast no-op nodes for benchmarks. @default true */
  readonly serviceProcesses?: boolean;
  /** How long a self-updating agent is away. @default 500 ms */
  readonly agentRestartMs?: number;
  /** The service faults (SSM throttling, DynamoDB conflicts) the controller sets at `/service-faults`. @default none */
  readonly serviceFaults?: ServiceFaults;
}

/** A node id the fleet does not have. */
export class UnknownNodeError extends InputError {
  public constructor(public readonly node: string) {
    super(`unknown node '${node}'`);
    this.name = 'UnknownNodeError';
  }
}

interface OperationRequest {
  readonly node: string;
  readonly op: FleetOperationKind;
  readonly name?: string;
  readonly release?: string;
}

/**
 * A simulated cluster: nodes with their own roots and real service processes,
 * and the controller (an HTTP server on 127.0.0.1) that `cu-node` calls and
 * tests use to inject faults and read what nodes report.
 */
export class SimulatedFleet {
  public static async start(props: SimulatedFleetProps): Promise<SimulatedFleet> {
    const runProcesses = props.serviceProcesses ?? true;
    const processHost = runProcesses ? new CommandHost() : undefined;
    const nodes: SimulatedNode[] = [];
    for (const spec of props.nodes) {
      const ports = new Map<string, number>();
      for (const service of spec.services) ports.set(service, runProcesses ? await freePort() : 0);
      nodes.push(
        new SimulatedNode({
          id: spec.id,
          root: resolve(join(props.runDirectory, 'nodes', spec.id)),
          services: spec.services,
          release: props.release,
          platformSteps: props.platformSteps,
          agentStep: (props.selfUpdatingSteps ?? props.platformSteps.filter((s) => s === 'node-agent'))[0],
          ports,
          processHost,
        }),
      );
    }
    const fleet = new SimulatedFleet(props, nodes, processHost);
    try {
      const { server, url } = await listenOnLoopback((request, response) => void fleet.handle(request, response));
      fleet.server = server;
      fleet.url = url;
      // Unhealthy nodes (inventory `healthy: false`) start with their agent and services down.
      for (const node of nodes) {
        const spec = props.nodes.find((n) => n.id === node.id)!;
        if (spec.healthy === false) node.online = false;
      }
      await Promise.all(nodes.filter((n) => n.online).map((n) => n.startServices()));
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  public url = '';
  public readonly cluster: string;
  public readonly nodeIds: string[];
  private readonly nodes: Map<string, SimulatedNode>;
  private readonly services: ReadonlyMap<string, readonly string[]>;
  private readonly names: ReadonlyMap<string, string>;
  private readonly selfUpdating: ReadonlySet<string>;
  private readonly agentRestartMs: number;
  private readonly serviceFaults?: ServiceFaults;
  /** Faults of the task code (crash points, Lambda timeouts, lost responses), armed at `/task-faults`; see TaskFaults. */
  public readonly taskFaults = new TaskFaults();
  private faults: FleetFault[] = [];
  private readonly log: FleetOperation[] = [];
  private server?: Server;

  private constructor(props: SimulatedFleetProps, nodes: SimulatedNode[], private readonly processHost?: CommandHost) {
    this.cluster = props.cluster;
    this.nodes = new Map(nodes.map((n) => [n.id, n]));
    this.nodeIds = nodes.map((n) => n.id);
    this.services = new Map(props.nodes.map((n) => [n.id, [...n.services]]));
    this.names = new Map(props.nodes.map((n) => [n.id, n.name ?? n.id]));
    this.selfUpdating = new Set(props.selfUpdatingSteps ?? props.platformSteps.filter((s) => s === 'node-agent'));
    this.agentRestartMs = props.agentRestartMs ?? 500;
    this.serviceFaults = props.serviceFaults;
  }

  public node(id: string): SimulatedNode {
    const node = this.nodes.get(id);
    if (!node) throw new UnknownNodeError(id);
    return node;
  }

  public hasNode(id: string): boolean {
    return this.nodes.has(id);
  }

  /** The services a node hosts (its `cluster-update:services` tag). */
  public servicesOn(id: string): readonly string[] {
    return this.services.get(id) ?? [];
  }

  /** The node's readable name (its `Name` tag): the inventory's `name`, else its id. */
  public nameOf(id: string): string {
    return this.names.get(id) ?? id;
  }

  /** The tags the node carries, as EC2 (for `i-` instances) or SSM (for hybrid `mi-` nodes) report them. */
  public tagsOf(id: string): Record<string, string> {
    return { 'cluster-update:cluster': this.cluster, 'cluster-update:services': this.servicesOn(id).join(','), Name: this.nameOf(id) };
  }

  public async status(): Promise<NodeReport[]> {
    return Promise.all(this.nodeIds.map((id) => this.node(id).report()));
  }

  public operations(): readonly FleetOperation[] {
    return [...this.log];
  }

  public injectFault(fault: FleetFault): void {
    this.faults.push(fault);
  }

  public clearFaults(): void {
    this.faults = [];
  }

  /** The node goes down: agent offline, every service process stopped. */
  public async stopNode(id: string): Promise<void> {
    const node = this.node(id);
    node.online = false;
    await node.stopServices();
  }

  /**
   * The node comes back: agent online, its services started at their installed releases. Starting a node that
   * is up does nothing, as EC2's StartInstances of a running instance does (it answers the instance's current
   * state, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StartInstances.html): it is not a reboot (restarting
   * every replica of a running node took replicas out behind the workflow's back: chaos seeds 9 and 30).
   */
  public async startNode(id: string): Promise<void> {
    const node = this.node(id);
    if (node.online) return;
    node.online = true;
    await node.startServices();
  }

  /** Stops every process and the controller; leaves nothing running. */
  public async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stopServices()));
    await this.processHost?.stop();
    if (this.server) await closeServer(this.server);
    this.server = undefined;
  }

  /**
   * Runs one `cu-node` call for a node, honouring faults; records it in the
   * operations log. `interrupted` is signalled when the calling process died
   * (a cancelled command is killed): a slowed call then stops where a real
   * one would, without its effect.
   */
  public async perform(request: OperationRequest, interrupted?: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const node = this.node(request.node);
    const call = { operation: request.op, name: request.name, node: node.id };
    const matching = this.faults.filter((f) => faultMatches(f, call));
    const delay = matching.filter((f) => f.kind === 'slow').reduce((sum, f) => sum + (f.delayMs ?? 0), 0);
    if (delay > 0) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, delay);
        interrupted?.addEventListener('abort', () => (clearTimeout(timer), r()), { once: true });
      });
    }
    const failure = matching.find((f) => f.kind === 'fail');
    let outcome: { ok: boolean; message: string };
    if (interrupted?.aborted) outcome = { ok: false, message: `${describe(request)} on ${node.id} was interrupted: its process was killed` };
    else if (failure) outcome = { ok: false, message: `${describe(request)} failed on ${node.id}: ${failure.message ?? 'injected failure'}` };
    else {
      try {
        outcome = { ok: true, message: await this.apply(node, request, matching.some((f) => f.kind === 'unhealthy')) };
      } catch (error) {
        outcome = { ok: false, message: (error as Error).message };
      }
    }
    this.log.push({ sequence: this.log.length + 1, at: new Date().toISOString(), node: node.id, operation: request.op, name: request.name, release: request.release, ...outcome });
    return outcome;
  }

  private async apply(node: SimulatedNode, request: OperationRequest, unhealthy: boolean): Promise<string> {
    const { name = '', release = '' } = request;
    switch (request.op) {
      case 'platform-install': {
        node.installPlatform(name, release);
        if (this.selfUpdating.has(name)) node.agentRestartingUntil = Date.now() + this.agentRestartMs;
        return `installed ${name} ${release} on ${node.id}`;
      }
      case 'service-update': {
        const replica = this.replica(node, name);
        await replica.start(release, unhealthy);
        const health = await replica.checkHealth(unhealthy ? 1 : 5);
        if (!health.healthy) throw new Error(`${name} ${release} on ${node.id} started but is not healthy`);
        return `${name} restarted at ${release} on ${node.id} (pid ${replica.pid ?? '-'})`;
      }
      case 'service-stop':
        await this.replica(node, name).stop();
        return `${name} stopped on ${node.id}`;
      case 'service-start': {
        const replica = this.replica(node, name);
        await replica.start(release || replica.release, unhealthy);
        return `${name} started at ${replica.release} on ${node.id}`;
      }
      case 'service-health': {
        const replica = this.replica(node, name);
        const health = await replica.checkHealth();
        if (!health.healthy) throw new Error(`${name} on ${node.id} is not healthy`);
        if (release && health.release !== release) throw new Error(`${name} on ${node.id} runs ${health.release}, expected ${release}`);
        return `${name} on ${node.id} is healthy at ${health.release}`;
      }
      case 'oneoff-run':
        node.recordOneOff(name, release);
        return `one-off ${name} ran at ${release} on ${node.id}`;
      case 'oneoff-rollback':
        node.recordOneOff(name, undefined);
        return `one-off ${name} rolled back to ${release} on ${node.id}`;
      case 'drain':
        node.drained = true;
        return `${node.id} drained`;
      case 'rejoin':
        node.drained = false;
        return `${node.id} rejoined the cluster`;
      case 'hook':
        return `hook ${name} passed on ${node.id}`;
      default:
        throw new Error(`unknown operation ${String(request.op)}`);
    }
  }

  /**
   * One call of a node's `cu-node` client (CU_NODE_CLIENT_SCRIPT): its node and arguments form-encoded, the
   * answer as plain text — the message, 200 done, 500 failed, 400 bad usage.
   */
  private async answerCuNode(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const id = form.get('node') ?? '';
    const text = (status: number, message: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(message);
    };
    if (!this.nodes.has(id)) return text(400, `cu-node: unknown node '${id}'`);
    const command = parseCuNodeCommand(form.getAll('arg'));
    if (command.kind === 'usage') return text(400, CU_NODE_USAGE);
    if (command.kind === 'port') {
      // A read of what the node reports, no operation: nothing logged, no fault applies.
      const replica = this.node(id).replicas.get(command.service);
      return replica ? text(200, String(replica.port)) : text(500, `${id} does not host ${command.service}`);
    }
    const outcome = await this.performForCaller({ node: id, op: command.op, name: command.name, release: command.release }, response);
    if (outcome) text(outcome.ok ? 200 : 500, outcome.message);
  }

  /**
   * perform() for a caller on the other end of `response`: if the caller goes away before the answer (its step
   * was killed, and with it the client), the call stops where a real one would, and there is no one to answer
   * (undefined).
   */
  private async performForCaller(request: OperationRequest, response: ServerResponse): Promise<{ ok: boolean; message: string } | undefined> {
    const caller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) caller.abort();
    });
    const outcome = await this.perform(request, caller.signal);
    return caller.signal.aborted ? undefined : outcome;
  }

  private replica(node: SimulatedNode, service: string) {
    const replica = node.replicas.get(service);
    if (!replica) throw new Error(`${node.id} does not host ${service}`);
    return replica;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const parts = url.pathname.split('/').filter(Boolean);
      if (request.method === 'GET' && url.pathname === '/nodes') return sendJson(response, 200, await this.status());
      if (request.method === 'GET' && url.pathname === '/operations') return sendJson(response, 200, this.operations());
      if (request.method === 'POST' && url.pathname === '/cu-node') return await this.answerCuNode(request, response);
      if (request.method === 'POST' && url.pathname === '/operations') {
        const body = JSON.parse(await readBody(request)) as OperationRequest;
        if (!this.nodes.has(body.node)) return sendJson(response, 400, { ok: false, message: `unknown node '${body.node}'` });
        const outcome = await this.performForCaller(body, response);
        if (outcome) return sendJson(response, outcome.ok ? 200 : 500, outcome);
        return;
      }
      if (request.method === 'POST' && url.pathname === '/faults') {
        this.injectFault(JSON.parse(await readBody(request)) as FleetFault);
        return sendJson(response, 200, { ok: true, faults: this.faults });
      }
      if (request.method === 'DELETE' && url.pathname === '/faults') {
        this.clearFaults();
        return sendJson(response, 200, { ok: true });
      }
      if (url.pathname === '/service-faults/produced' && request.method === 'POST' && this.serviceFaults) {
        // What the control plane's DynamoDB fault proxy produced and which task faults fired there since it last
        // said (ServiceFaultsMirror); the answer is what is in force now.
        const produced = JSON.parse(await readBody(request)) as Parameters<ServiceFaults['addProduced']>[0] & { taskFaultsFired?: string[] };
        this.serviceFaults.addProduced(produced);
        this.taskFaults.disarm(produced.taskFaultsFired ?? []);
        return sendJson(response, 200, { ok: true, faults: this.serviceFaults.current, produced: this.serviceFaults.produced, taskFaults: this.taskFaults.current });
      }
      if (url.pathname === '/task-faults') {
        if (request.method === 'POST') {
          const { kind, match } = JSON.parse(await readBody(request)) as Partial<ArmedTaskFault>;
          if (kind !== 'task-crash' && kind !== 'lambda-timeout' && kind !== 'lose-response') return sendJson(response, 400, { ok: false, message: `unknown task fault kind '${String(kind)}'` });
          const armed = this.taskFaults.arm(kind, match ?? 'any');
          return sendJson(response, 200, { ok: true, armed, faults: this.taskFaults.current, fired: this.taskFaults.fired });
        }
        if (request.method === 'DELETE') this.taskFaults.clear();
        return sendJson(response, 200, { ok: true, faults: this.taskFaults.current, fired: this.taskFaults.fired });
      }
      if (url.pathname === '/service-faults' && this.serviceFaults) {
        const faults = this.serviceFaults;
        if (request.method === 'POST') {
          try {
            faults.configure(JSON.parse(await readBody(request)) as Parameters<ServiceFaults['configure']>[0]);
          } catch (error) {
            return sendJson(response, 400, { ok: false, message: (error as Error).message });
          }
        } else if (request.method === 'DELETE') faults.clear();
        return sendJson(response, 200, { ok: true, faults: faults.current, produced: faults.produced });
      }
      if (request.method === 'POST' && parts[0] === 'nodes' && parts[1] && (parts[2] === 'stop' || parts[2] === 'start')) {
        if (!this.nodes.has(parts[1])) return sendJson(response, 404, { ok: false, message: `unknown node '${parts[1]}'` });
        await (parts[2] === 'stop' ? this.stopNode(parts[1]) : this.startNode(parts[1]));
        return sendJson(response, 200, { ok: true });
      }
      return sendJson(response, 404, { ok: false, message: `no route ${request.method} ${url.pathname}` });
    } catch (error) {
      return sendJson(response, 500, { ok: false, message: (error as Error).message });
    }
  }
}

function describe(request: OperationRequest): string {
  return [request.op, request.name, request.release].filter(Boolean).join(' ');
}
