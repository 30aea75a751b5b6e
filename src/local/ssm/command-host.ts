import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ClusterUpdateError } from '../../core/errors';

const HOST_PROCESS = join(__dirname, 'command-host-process.js');

/** A script started by the host: its process id (the leader of its own process group) and how it ended. */
export interface HostedScript {
  readonly pid: number;
  /** The exit code, or null when it was killed by a signal or could not start. */
  readonly exited: Promise<number | null>;
}

export interface RunScript {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Called with each piece of the script's standard output or error, in order. */
  readonly onOutput: (stream: 'stdout' | 'stderr', text: string) => void;
}

type HostMessage =
  | { readonly type: 'started'; readonly id: number; readonly pid: number }
  | { readonly type: 'output'; readonly id: number; readonly stream: 'stdout' | 'stderr'; readonly data: string }
  | { readonly type: 'exit'; readonly id: number; readonly code: number | null; readonly error?: string };

interface Pending {
  readonly run: RunScript;
  readonly started: (pid: number) => void;
  readonly failed: (error: Error) => void;
  readonly exited: (code: number | null) => void;
}

/** The host could not start a script (the host process itself went away, or the spawn failed). */
export class ScriptStartError extends ClusterUpdateError {
  public constructor(message: string) {
    super(message);
    this.name = 'ScriptStartError';
  }
}

/**
 * Starts the simulated nodes' scripts from a small process of its own (command-host-process.js), never from the
 * process the emulator runs in: a fork there blocked the whole local control plane for 20–30 ms per step (see
 * the host process's header). Started with the emulator (`prepare`); a host that dies ends its scripts' waits
 * (exit null) and is started again for the next script. `stop` ends it, and with it anything still running there.
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
      let exited!: (code: number | null) => void;
      const exit = new Promise<number | null>((resolve) => (exited = resolve));
      this.pending.set(id, { run, started: (pid) => started({ pid, exited: exit }), failed, exited });
      host.channel?.ref(); // while scripts run, the host keeps this process alive, as their pipes did
      host.send({ type: 'run', id, file: run.file, args: run.args, cwd: run.cwd, env: run.env });
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
        pending.exited(null);
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
      pending.exited(message.code);
      if (this.pending.size === 0) this.process?.channel?.unref();
    }
  }
}
