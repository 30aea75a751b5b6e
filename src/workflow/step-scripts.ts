import type { Hook, Manifest, Service } from '../core/manifest/schema';
import { DEFAULT_HEALTH_TIMEOUT_SECONDS, DEFAULT_STEP_TIMEOUT_SECONDS, healthStepTimeoutSeconds, type StepKind } from '../core/step-runner/step-runner-contract';

/** One step as it is sent to a node: what it is, the manifest's command, and how long it may run there. */
export interface StepCommand {
  readonly kind: StepKind;
  readonly step: string;
  readonly script: string;
  /** The step's execution timeout on the node (the manifest's `timeoutSeconds`). */
  readonly timeoutSeconds: number;
}

/**
 * Simulated-fleet defaults (DESIGN §3): a long-running service without
 * `update` is restarted at the new release, and a manifest without
 * `policy.drain` / `policy.rejoin` uses the simulated node's own commands.
 * `start --target aws` refuses a manifest that relies on any of them.
 */
export const SIMULATED_FLEET_DEFAULTS = {
  serviceUpdate: 'cu-node service update "$CU_STEP" "$CU_RELEASE"',
  drain: 'cu-node drain',
  rejoin: 'cu-node rejoin',
} as const;

const timeout = (seconds: number | undefined): number => seconds ?? DEFAULT_STEP_TIMEOUT_SECONDS;

export function platformCommand(manifest: Manifest, step: string): StepCommand {
  const platform = manifest.platform.find((p) => p.name === step)!;
  return { kind: 'platform', step, script: platform.run, timeoutSeconds: timeout(platform.timeoutSeconds) };
}

export function serviceCommand(service: Service): StepCommand {
  return service.oneOff
    ? { kind: 'oneoff', step: service.name, script: service.run!, timeoutSeconds: timeout(service.timeoutSeconds) }
    : { kind: 'service', step: service.name, script: service.update ?? SIMULATED_FLEET_DEFAULTS.serviceUpdate, timeoutSeconds: timeout(service.timeoutSeconds) };
}

/**
 * The health check of a service on one node, retried until it passes or its
 * `health.timeoutSeconds` runs out (the step's own timeout is a little longer,
 * so the check reports why it gave up instead of being killed):
 * - `health.http`: GET http://127.0.0.1:<port><path> answers 200. Without
 *   `health.port` the port is the simulated replica's own (`cu-node service port`).
 * - `health.command`: exits 0.
 * - neither: the simulated fleet's own check (at the new release right after an
 *   update, `expectRelease`; at whatever release after a platform wave).
 */
export function healthCommand(service: Service, options: { expectRelease: boolean }): StepCommand {
  return { ...nodeHealthCommand([service], options), step: service.name };
}

/**
 * Every service on a node checked in one step (after a wave node rejoins, and
 * after a replica update, which may disturb its neighbours on the node), the
 * services' checks run side by side: each retried within its own
 * `health.timeoutSeconds`; the step fails naming every service still unhealthy
 * when its time ran out.
 */
export function nodeHealthCommand(services: readonly Service[], options: { expectRelease: boolean; releaseOf?: string | readonly string[] }): StepCommand {
  // `releaseOf`: the services just updated (one replica update, or those a platform outage carried) must answer at
  // the new release; the others at whatever they run.
  const updated = new Set(typeof options.releaseOf === 'string' ? [options.releaseOf] : (options.releaseOf ?? []));
  const expect = (service: Service) => options.expectRelease || updated.has(service.name);
  // Bash builtins where a process would do (printf %()T, read): the check sits on the critical path of every
  // platform outage and replica update, and a node may be busy.
  const script = [
    // The clock in ms: from EPOCHREALTIME (bash ≥ 5.0; its separator follows the locale), else whole seconds with a
    // grain of 1000 ms taken off every elapsed time, so a check never gives up before its timeout has passed (a
    // whole-second clock read at x.99 s made a 1 s timeout end after one attempt).
    'clock() { if [ -n "${EPOCHREALTIME:-}" ]; then local t="$EPOCHREALTIME" f; f="${t#*[.,]}000"; now=$(( ${t%[.,]*} * 1000 + 10#${f:0:3} )); grain=0; else printf -v now \'%(%s)T\' -1; now=$(( now * 1000 )); grain=1000; fi; }',
    'clock; start=$now',
    ...services.flatMap((service, i) => [`check_${i}() {`, `  name=${service.name}`, checkOf(service, expect(service)), '}']),
    `pending="${services.map((_, i) => i).join(' ')}"`,
    // Side by side: a node's check waits for its slowest service, not for the sum of them (it sits on the critical
    // path of every platform outage). Each check's output and status go to files, read back in service order.
    'results="$(mktemp -d)"',
    'trap \'rm -rf "$results"\' EXIT',
    'while true; do',
    '  for i in $pending; do (check_$i > "$results/$i" 2>&1; echo $? > "$results/$i.rc") & done',
    '  wait',
    '  still=""; report=""',
    '  for i in $pending; do',
    "    output=''; IFS= read -r -d '' output < \"$results/$i\"",
    "    while [ \"${output%$'\\n'}\" != \"$output\" ]; do output=\"${output%$'\\n'}\"; done",
    '    rc=1; read -r rc < "$results/$i.rc"',
    '    if [ "$rc" = 0 ]; then echo "healthy: $output"; else still="$still $i"; report="$report; $output"; fi',
    '  done',
    '  [ -z "$still" ] && exit 0',
    '  clock',
    '  elapsed=$(( now - start - grain ))',
    '  over=""',
    ...services.map((service, i) => `  case " $still " in *" ${i} "*) [ "$elapsed" -ge ${(service.health?.timeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS) * 1000} ] && over=1 ;; esac`),
    '  if [ -n "$over" ]; then echo "unhealthy after $(( (now - start) / 1000 )) s${report}" >&2; exit 1; fi',
    '  pending="$still"',
    '  sleep 0.5',
    'done',
  ].join('\n');
  return { kind: 'health', step: 'services', script, timeoutSeconds: healthStepTimeoutSeconds(services) };
}

/** One service's check as a shell function body; `$name` is the service. */
function checkOf(service: Service, expectRelease: boolean): string {
  if (service.health?.http) return httpProbe(service.health.http, service.health.port);
  if (service.health?.command) return `  CU_STEP="$name" bash -c ${shellQuote(service.health.command)}`;
  return `  cu-node service health "$name"${expectRelease ? ' "$CU_RELEASE"' : ''}`;
}

/** The path is validated by the schema (`/[A-Za-z0-9._~/-]*`), the port is a number and `$name` an identifier: nothing here needs quoting. */
function httpProbe(path: string, port: number | undefined): string {
  const portLine = port !== undefined ? `port=${port}` : 'port="$(cu-node service port "$name" 2>&1)" || { echo "$name: $port"; return 1; }';
  return [
    `  ${portLine}`,
    `  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port${path}")"`,
    `  [ "$code" = 200 ] || { echo "$name: GET http://127.0.0.1:$port${path} answered \${code:-nothing}"; return 1; }`,
    `  echo "$name: GET http://127.0.0.1:$port${path} answered 200"`,
  ].join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

export function hookCommand(hook: Hook, phase: 'pre' | 'post'): StepCommand {
  return { kind: phase === 'pre' ? 'pre-hook' : 'post-hook', step: hook.name, script: hook.run, timeoutSeconds: timeout(hook.timeoutSeconds) };
}

export function drainCommand(manifest: Manifest): StepCommand {
  const drain = manifest.policy.drain;
  return { kind: 'drain', step: 'drain', script: drain?.run ?? SIMULATED_FLEET_DEFAULTS.drain, timeoutSeconds: drain?.timeoutSeconds ?? manifest.policy.drainTimeoutSeconds };
}

export function rejoinCommand(manifest: Manifest): StepCommand {
  const rejoin = manifest.policy.rejoin;
  return { kind: 'rejoin', step: 'rejoin', script: rejoin?.run ?? SIMULATED_FLEET_DEFAULTS.rejoin, timeoutSeconds: timeout(rejoin?.timeoutSeconds) };
}

/** What a manifest leaves to simulated-fleet defaults (empty: it says everything a real cluster needs). */
export function simulatedFleetDefaultsUsed(manifest: Manifest): string[] {
  const used: string[] = [];
  if (!manifest.policy.drain) used.push('policy.drain is not set (the simulated fleet drains with `cu-node drain`)');
  if (!manifest.policy.rejoin) used.push('policy.rejoin is not set (the simulated fleet rejoins with `cu-node rejoin`)');
  for (const service of manifest.services) {
    if (service.oneOff) continue;
    if (!service.update) used.push(`service ${service.name} has no update command (the simulated fleet restarts its simulated process)`);
    if (!service.health?.http && !service.health?.command) used.push(`service ${service.name} has no health check (the simulated fleet checks its simulated process)`);
    if (service.health?.http && service.health.port === undefined) used.push(`service ${service.name} has health.http without health.port (the simulated fleet knows its replicas' ports)`);
  }
  return used;
}
