import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../src/core/manifest/schema';
import type { Plan } from '../../src/core/plan/types';
import { stepRunnerParameters } from '../../src/core/step-runner/step-runner-contract';
import { resolveScript, type SsmDocumentContent } from '../../src/local/ssm/ssm-document';
import { drainCommand, hookCommand, nodeHealthCommand, platformCommand, rejoinCommand, serviceCommand, type StepCommand } from '../../src/workflow/step-scripts';

/** What the Ansible peer needs of the simulated fleet: each node's root, and the fleet controller's address. */
export interface AnsibleFleet {
  readonly roots: ReadonlyMap<string, string>;
  readonly fleetUrl: string;
}

export interface AnsibleRun {
  readonly seconds: number;
  readonly exitCode: number;
  readonly updateId: string;
  readonly directory: string;
  /** Tasks in the rolling play (per batch, the same list). */
  readonly tasks: number;
}

/** The one-line reason the peer cannot run here, or undefined when `ansible-playbook` is installed. */
export function ansibleMissing(): string | undefined {
  const probe = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'ansible-playbook not found (scripts/install-bench-tools.sh installs ansible-core from Debian): Ansible peer skipped';
}

/**
 * The same rollout as an Ansible play: one play of pre-update hooks on every node, one rolling play with
 * `serial: maxInFlight` doing on each node drain, the platform steps, its services' updates in DAG order (one-offs
 * on the node the plan runs them on), rejoin and its services' health check, and one play of post-update hooks.
 * `connection: local`: each task runs the step runner script the SSM emulator would run for that step
 * (the project's document with the same parameters, written under a command-id directory), with the emulator's
 * environment (PATH starting at the node's bin/, HOME, CU_NODE_ID, CU_NODE_ROOT, CU_FLEET_URL) and working
 * directory (the node root), so each step sleeps exactly as long as in the workflow.
 */
export async function runAnsiblePeer(options: { directory: string; updateId: string; manifest: Manifest; plan: Plan; document: SsmDocumentContent; fleet: AnsibleFleet }): Promise<AnsibleRun> {
  const { directory, updateId, manifest, plan, document, fleet } = options;
  mkdirSync(directory, { recursive: true });
  const stepsDirectory = join(directory, 'steps');
  const scriptOf = (command: StepCommand): string => {
    const parameters = stepRunnerParameters({ updateId, kind: command.kind, step: command.step, release: manifest.release, previous: manifest.previous, script: command.script, timeoutSeconds: command.timeoutSeconds });
    const folder = join(stepsDirectory, randomUUID()); // the step runner reads its command id from this path
    mkdirSync(folder, { recursive: true });
    const file = join(folder, '_script.sh');
    writeFileSync(file, resolveScript(document, parameters).script, { mode: 0o700 });
    return file;
  };
  const task = (name: string, script: string, when?: string) => ({
    name,
    'ansible.builtin.command': { argv: ['/bin/bash', script], chdir: '{{ cu_root }}' },
    ...(when ? { when } : {}),
  });
  const hostsOf = (service: string): string[] => plan.oneOffNodes[service] !== undefined ? [plan.oneOffNodes[service]!] : (plan.placement[service] ?? []).filter((n) => !plan.unhealthyNodes.includes(n));
  const servicesOn = (node: string) => manifest.services.filter((s) => !s.oneOff && (plan.placement[s.name] ?? []).includes(node));

  const healthy = [...fleet.roots.keys()].filter((n) => !plan.unhealthyNodes.includes(n));
  const hosts = Object.fromEntries(
    healthy.map((node) => {
      const root = fleet.roots.get(node)!;
      const services = servicesOn(node);
      return [node, { cu_root: root, cu_path: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, cu_health: services.length > 0 ? scriptOf(nodeHealthCommand(services, { expectRelease: false })) : '' }];
    }),
  );
  const environment = { PATH: '{{ cu_path }}', HOME: '{{ cu_root }}', LANG: 'C.UTF-8', CU_NODE_ID: '{{ inventory_hostname }}', CU_NODE_ROOT: '{{ cu_root }}', CU_FLEET_URL: fleet.fleetUrl };
  const play = (name: string, tasks: unknown[], extra: Record<string, unknown> = {}) => ({ name, hosts: 'all', gather_facts: false, environment, ...extra, tasks });
  const hookTasks = (phase: 'pre' | 'post') => (phase === 'pre' ? manifest.hooks.preUpdate : manifest.hooks.postUpdate).map((hook) => task(`${phase}-hook ${hook.name}`, scriptOf(hookCommand(hook, phase))));

  const rolling = [
    task('drain', scriptOf(drainCommand(manifest))),
    ...manifest.platform.map((p) => task(`platform ${p.name}`, scriptOf(platformCommand(manifest, p.name)))),
    ...plan.serviceOrder.flat().map((name) => {
      const service = manifest.services.find((s) => s.name === name)!;
      const command = serviceCommand(service);
      return task(`${command.kind} ${name}`, scriptOf(command), `inventory_hostname in ${JSON.stringify(hostsOf(name))}`);
    }),
    task('rejoin', scriptOf(rejoinCommand(manifest))),
    { name: 'health', 'ansible.builtin.command': { argv: ['/bin/bash', '{{ cu_health }}'], chdir: '{{ cu_root }}' }, when: "cu_health != ''" },
  ];
  const playbook = [
    ...(manifest.hooks.preUpdate.length > 0 ? [play('pre-update hooks', hookTasks('pre'))] : []),
    play('rolling update', rolling, { serial: plan.maxInFlight, order: 'inventory' }),
    ...(manifest.hooks.postUpdate.length > 0 ? [play('post-update hooks', hookTasks('post'))] : []),
  ];
  // JSON is YAML: ansible reads both files as they are.
  writeFileSync(join(directory, 'playbook.yml'), `${JSON.stringify(playbook, null, 2)}\n`);
  writeFileSync(join(directory, 'inventory.yml'), `${JSON.stringify({ all: { vars: { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3' }, hosts } }, null, 2)}\n`);

  const env = {
    ...process.env,
    ANSIBLE_LOCAL_TEMP: join(directory, 'tmp'),
    ANSIBLE_REMOTE_TMP: join(directory, 'tmp'),
    ANSIBLE_HOME: join(directory, 'home'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_HOST_KEY_CHECKING: 'false',
    ANSIBLE_FORKS: String(Math.max(5, healthy.length)),
  };
  const began = process.hrtime.bigint();
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn('ansible-playbook', ['-i', join(directory, 'inventory.yml'), join(directory, 'playbook.yml')], { cwd: directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      writeFileSync(join(directory, 'ansible.log'), output);
      resolve(code ?? -1);
    });
  });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return { seconds, exitCode, updateId, directory, tasks: rolling.length };
}
