import { appendFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { CommandHost, HostedScript } from '../command-host/command-host';

const SERVICE_PROCESS = join(__dirname, 'service-process.js');

export interface HealthAnswer {
  readonly healthy: boolean;
  readonly release?: string;
}

/** GET /health on 127.0.0.1:port with a short timeout. */
export function probeHealth(port: number, timeoutMs = 3000): Promise<HealthAnswer> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        let release: string | undefined;
        try {
          release = (JSON.parse(body) as { release?: string }).release;
        } catch {
          release = undefined;
        }
        resolve({ healthy: response.statusCode === 200, release });
      });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve({ healthy: false }));
  });
}

/**
 * One replica of a long-running service on a simulated node: a real process
 * (src/local/fleet/service-process.js) on a fixed port, stopped and started
 * at a release like a service manager would. The process is started by the
 * fleet's command host, not by the fleet's own process (a fork of that one
 * cost 65 ms of its CPU per start, and a rollout restarts replicas by the dozen).
 */
export class ServiceReplica {
  public release: string;
  public startedAt?: string;
  private child?: HostedScript;

  private currentPort = 0;

  public constructor(
    public readonly service: string,
    public readonly node: string,
    /** The replica's port; kept across restarts unless another process took it meanwhile. */
    port: number,
    release: string,
    private readonly logFile: string,
    /** Where the replica's process is started; none: a replica without a process (tests of the fleet's bookkeeping). */
    private readonly host: CommandHost | undefined,
    /** Where the node keeps this replica's port for `cu-node service port` to read (CU_NODE_PORTS_DIRECTORY). */
    private readonly portFile?: string,
  ) {
    this.release = release;
    this.port = port;
  }

  public get port(): number {
    return this.currentPort;
  }

  public set port(port: number) {
    this.currentPort = port;
    if (this.portFile) writeFileSync(this.portFile, `${port}\n`);
  }

  public get pid(): number | undefined {
    return this.child?.pid;
  }

  public get running(): boolean {
    return this.host ? this.child !== undefined : this.startedAt !== undefined;
  }

  /** Starts the process at `release`; resolves once it answers /health (healthy or not). */
  public async start(release: string, unhealthy = false): Promise<void> {
    await this.stop();
    this.release = release;
    this.startedAt = new Date().toISOString();
    if (!this.host) return;
    let text = '';
    let listening!: (port: number | undefined) => void;
    const announced = new Promise<number | undefined>((resolve) => (listening = resolve));
    // The log file (under the node root) is passed last, unused by the service: it names the run directory in the
    // command line, which is how `local up` and `local down` find what a run left behind. The replica watches its
    // parent, the host, which goes when the fleet's process does.
    const child = await this.host.run({
      file: process.execPath,
      args: [SERVICE_PROCESS, this.service, release, this.node, String(this.port), unhealthy ? 'unhealthy' : 'ok', this.logFile],
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stderrFile: this.logFile,
      onOutput: (stream, chunk) => {
        if (stream !== 'stdout') return;
        text += chunk;
        const match = /listening (\d+)/.exec(text);
        if (match) listening(Number(match[1]));
      },
    });
    this.child = child;
    void child.ended.then(({ code, signal }) => {
      listening(undefined);
      if (this.child !== child) return;
      this.child = undefined;
      // Not stopped by us: say so where a service manager would (the journal), so a replica that died is
      // told apart from one the workflow took out.
      appendFileSync(this.logFile, `${new Date().toISOString()} ${this.service}@${this.node} pid ${child.pid} exited unexpectedly (code ${code}, signal ${signal})\n`);
    });
    // Generous: a fleet starts dozens of these at once, and a loaded 2-core machine takes its time.
    const timer = setTimeout(() => listening(undefined), 60_000);
    const port = await announced;
    clearTimeout(timer);
    if (port === undefined) throw new Error(`${this.service} on ${this.node} did not start; see ${this.logFile}`);
    this.port = port;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.child !== child) throw new Error(`${this.service} on ${this.node} exited while starting; see ${this.logFile}`);
      const answer = await probeHealth(this.port, 1000);
      if (answer.release === release) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${this.service} on ${this.node} did not answer /health within 20 s; see ${this.logFile}`);
  }

  /** Stops the process and waits for it to exit. */
  public async stop(): Promise<void> {
    this.startedAt = undefined;
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGTERM'); // the host passes it on only while the process runs
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await child.ended;
    clearTimeout(timer);
  }

  public async health(): Promise<HealthAnswer> {
    if (!this.host) return { healthy: this.running, release: this.running ? this.release : undefined };
    if (!this.child) return { healthy: false };
    return probeHealth(this.port);
  }

  /**
   * A health check as a service manager runs it: a few tries over about two
   * seconds, so a busy machine is not mistaken for a broken service.
   */
  public async checkHealth(attempts = 5): Promise<HealthAnswer> {
    let answer = await this.health();
    for (let i = 1; i < attempts && !answer.healthy; i += 1) {
      await new Promise((r) => setTimeout(r, 400));
      answer = await this.health();
    }
    return answer;
  }
}
