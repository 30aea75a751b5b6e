import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedNode } from '../fleet/simulated-node';
import type { CommandHost } from '../command-host/command-host';

/** Invocation statuses as the real API names them. */
export type InvocationStatus = 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';

/** GetCommandInvocation's limits on output; the real API truncates the same way. */
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
const TERMINAL: ReadonlySet<InvocationStatus> = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

/** One (command, instance) pair: delivered when the node's agent is online, then run as a real shell script. */
export class SsmInvocation {
  public status: InvocationStatus = 'Pending';
  public statusDetails = 'Pending';
  public responseCode = -1;
  public stdout = '';
  public stderr = '';
  public startedAt?: Date;
  public endedAt?: Date;
  /** The running script's process group (its leader's pid). */
  private pid?: number;
  private cancelRequested = false;

  public constructor(
    public readonly commandId: string,
    public readonly instanceId: string,
    public readonly requestedAt: Date,
  ) {}

  public get terminal(): boolean {
    return TERMINAL.has(this.status);
  }

  /** A failure that counts against MaxErrors. */
  public get isError(): boolean {
    return this.status === 'Failed' || (this.status === 'TimedOut' && this.statusDetails === 'ExecutionTimedOut');
  }

  /** Waits for delivery (the agent online) until the delivery deadline, then runs the script. */
  public async run(
    node: SimulatedNode,
    script: string,
    options: { host: CommandHost; deliveryDeadline: number; executionTimeoutSeconds: number; fleetUrl: string; workingDirectory?: string; agentRefusal?: string },
  ): Promise<void> {
    while (!node.agentOnline) {
      if (this.cancelRequested) return this.finish('Cancelled', 'Cancelled');
      if (Date.now() >= options.deliveryDeadline) return this.finish('TimedOut', 'DeliveryTimedOut');
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.cancelRequested) return this.finish('Cancelled', 'Cancelled');
    if (options.agentRefusal) {
      // The agent validates the parameters before running anything (see agent-parameter-validator.ts).
      this.startedAt = new Date();
      this.stderr = options.agentRefusal;
      return this.finish('Failed', 'Failed');
    }
    this.status = 'InProgress';
    this.statusDetails = 'InProgress';
    this.startedAt = new Date();
    const directory = join(node.root, 'var/lib/ssm', this.commandId);
    mkdirSync(directory, { recursive: true });
    const scriptFile = join(directory, '_script.sh');
    writeFileSync(scriptFile, script, { mode: 0o700 });
    // Started by the command host (command-host.ts), in a process group of its own, so cancel and timeout kill
    // everything it started.
    let started;
    try {
      started = await options.host.run({
        file: '/bin/bash',
        args: [scriptFile],
        cwd: options.workingDirectory ?? node.root,
        env: {
          PATH: `${join(node.root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          HOME: node.root,
          LANG: 'C.UTF-8',
          CU_NODE_ID: node.id,
          CU_NODE_ROOT: node.root,
          CU_FLEET_URL: options.fleetUrl,
        },
        onOutput: (stream, text) => (this[stream] += text),
      });
    } catch (error) {
      this.stderr += `${(error as Error).message}\n`;
      return this.finish('Failed', 'Failed');
    }
    this.pid = started.pid;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.killGroup();
    }, options.executionTimeoutSeconds * 1000);
    // A cancel that came while the script was being started.
    if (this.cancelRequested) this.killGroup();
    const { code } = await started.ended; // null: killed by a signal, or its host went away
    clearTimeout(timer);
    this.pid = undefined;
    if (this.cancelRequested) return this.finish('Cancelled', 'Cancelled');
    if (timedOut) return this.finish('TimedOut', 'ExecutionTimedOut', code ?? -1);
    this.finish(code === 0 ? 'Success' : 'Failed', code === 0 ? 'Success' : 'Failed', code ?? -1);
  }

  /** CancelCommand: a pending invocation is never delivered; a running one is killed. */
  public cancel(): void {
    if (this.terminal) return;
    this.cancelRequested = true;
    if (this.pid !== undefined) {
      this.status = 'Cancelling';
      this.statusDetails = 'Cancelling';
      this.killGroup();
    }
  }

  /** MaxErrors reached before this invocation was sent. */
  public notSent(): void {
    this.finish('Cancelled', 'Cancelled');
  }

  private finish(status: InvocationStatus, details: string, code = -1): void {
    this.status = status;
    this.statusDetails = details;
    this.responseCode = code;
    this.endedAt = new Date();
  }

  private killGroup(): void {
    const pid = this.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 2000).unref();
  }
}
