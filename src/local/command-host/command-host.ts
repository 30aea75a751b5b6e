import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ClusterUpdateError } from '../../core/errors';

const HOST_PROCESS = join(__dirname, 'command-host-process.js');

/** How a hosted process ended: its exit code, or the signal that killed it (both null: it could not start, or its host went away). */
export interface HostedExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A process started by the host: its process id (the leader of its own process group) and how it ended. */
export interface HostedScript {
  readonly pid: number;
  readonly ended: Promise<HostedExit>;
  /** Sends `signal` to the process itself (not its group), through the host, which knows whether it still runs. */
  kill(signal: NodeJS.Signals): void;
}

export interface RunScript {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Called with each piece of the script's standard output or error, in order. */
  readonly onOutput: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Standard error appended to this file instead of coming back through onOutput (a replica's log). */
  readonly stderrFile?: string;
}

type HostMessage =
  | { readonly type: 'started'; readonly id: number; readonly pid: number }
  | { readonly type: 'output'; readonly id: number; readonly stream: 'stdout' | 'stderr'; readonly data: string }
  | { readonly type: 'exit'; readonly id: number; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly error?: string };

interface Pending {
  readonly run: RunScript;
  readonly started: (pid: number) => void;
  readonly failed: (error: Error) => void;
  readonly ended: (exit: HostedExit) => void;
}

/** The host could not start a script (the host process itself went away, or the spawn failed). */
export class ScriptStartError extends ClusterUpdateError {
  public constructor(message: string) {
    super(message);
    this.name = 'ScriptStartError';
  }
}

/**
 * Starts the simulated nodes' processes (the SSM emulator's scripts, the fleet's service replicas) from a small
 * process of its own (command-host-process.js), never from the process the emulator or the fleet runs in: a fork
 * there blocked the whole local control plane for 20–30 ms per start (see the host process's header). The
 * emulator starts its host with itself (`prepare`); a host that dies ends its processes' waits (exit null) and is
 * started again for the next one. `stop` ends it, and with it anything still running there.
 */
export class CommandHost {
  private process?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /**
   * Starts the host process now rather than at the first script: a Node start costs 0.1–0.3 s on a busy machine,
   * and the first script of an update (its first pre-update hook) is on the update's critical path.
   */
  public prepare(): void {
    this.ensureProcess();
  }

  public run(run: RunScript): Promise<HostedScript> {
    const host = this.ensureProcess();
    const id = this.nextId++;
    return new Promise<HostedScript>((started, failed) => {
      let ended!: (exit: HostedExit) => void;
      const end = new Promise<HostedExit>((resolve) => (ended = resolve));
      const kill = (signal: NodeJS.Signals) => {
        if (host.connected) host.send({ type: 'signal', id, signal });
      };
      this.pending.set(id, { run, started: (pid) => started({ pid, ended: end, kill }), failed, ended });
      host.channel?.ref(); // while scripts run, the host keeps this process alive, as their pipes did
      host.send({ type: 'run', id, file: run.file, args: run.args, cwd: run.cwd, env: run.env, stderrFile: run.stderrFile });
    });
  }

  public async stop(): Promise<void> {
    const host = this.process;
    this.process = undefined;
    if (!host || host.exitCode !== null || host.signalCode !== null) return;
    const gone = new Promise((resolve) => host.once('exit', resolve));
    host.disconnect(); // the host kills what it still runs and exits
    await gone;
  }

  private ensureProcess(): ChildProcess {
    if (this.process && this.process.connected) return this.process;
    const host = spawn(process.execPath, [HOST_PROCESS], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    host.on('message', (message: HostMessage) => this.receive(message));
    host.once('exit', () => {
      if (this.process === host) this.process = undefined;
      // Scripts whose host went away: those not yet started cannot start; those running were killed with it.
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.failed(new ScriptStartError('the command host process exited'));
        pending.ended({ code: null, signal: null });
      }
    });
    // An idle host keeps nothing alive: the emulator's own lifetime decides.
    host.unref();
    host.channel?.unref();
    this.process = host;
    return host;
  }

  private receive(message: HostMessage): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'started') pending.started(message.pid);
    else if (message.type === 'output') pending.run.onOutput(message.stream, message.data);
    else {
      this.pending.delete(message.id);
      if (message.error !== undefined) pending.failed(new ScriptStartError(message.error));
      pending.ended({ code: message.code, signal: message.signal });
      if (this.pending.size === 0) this.process?.channel?.unref();
    }
  }
}
