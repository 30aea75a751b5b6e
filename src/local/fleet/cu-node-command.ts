import type { FleetOperationKind } from './fleet-fault';

/** `cu-node`'s usage, printed for any call it does not know. */
export const CU_NODE_USAGE = `usage: cu-node platform install <step> <release>
       cu-node service update|stop|start <service> [<release>]
       cu-node service health <service> [<release>]
       cu-node service port <service>
       cu-node oneoff run|rollback <service> <release>
       cu-node drain | rejoin
       cu-node hook <name>`;

/** What one `cu-node` call asks of its node: an operation (logged, faults apply), a read of a port, or bad usage. */
export type CuNodeCommand =
  | { readonly kind: 'operation'; readonly op: FleetOperationKind; readonly name?: string; readonly release?: string }
  | { readonly kind: 'port'; readonly service: string }
  | { readonly kind: 'usage' };

/**
 * Reads a `cu-node` command line as the fleet controller receives it (the client on the node only forwards its
 * arguments: a shell script and one curl, not a Node process per call — on 2 cores under a rollout's load a Node
 * start costs ~0.2 s, and a node's health check makes one call per service).
 */
export function parseCuNodeCommand(argv: readonly string[]): CuNodeCommand {
  const [group, action, name, release] = argv;
  const usage = { kind: 'usage' } as const;
  const givenRelease = release || undefined;
  switch (group) {
    case 'platform':
      return action === 'install' && name && release ? { kind: 'operation', op: 'platform-install', name, release } : usage;
    case 'service':
      if (action === 'port' && name) return { kind: 'port', service: name };
      if (!name || !['update', 'stop', 'start', 'health'].includes(action ?? '')) return usage;
      if (action === 'update' && !release) return usage;
      return { kind: 'operation', op: `service-${action}` as FleetOperationKind, name, release: givenRelease };
    case 'oneoff':
      return (action === 'run' || action === 'rollback') && name && release ? { kind: 'operation', op: `oneoff-${action}`, name, release } : usage;
    case 'drain':
    case 'rejoin':
      return { kind: 'operation', op: group };
    case 'hook':
      return action ? { kind: 'operation', op: 'hook', name: action } : usage;
    default:
      return usage;
  }
}

/** Where a simulated node keeps each replica's port, one file per service (relative to the node's root). */
export const CU_NODE_PORTS_DIRECTORY = 'run/cu-node/ports';

/**
 * The client installed on every simulated node as `bin/cu-node`: it posts its arguments to the fleet controller
 * (CU_FLEET_URL) for its node (CU_NODE_ID) and answers like a real tool: the controller's message on stdout and
 * exit 0, or on stderr with exit 1 (failed) or 2 (bad usage). `--noproxy '*'` and `-q` (no ~/.curlrc): the
 * controller is on 127.0.0.1, whatever the environment says. A killed step kills curl, which closes the
 * connection: the controller then stops a slowed call where a real one would stop, without its effect.
 */
export const CU_NODE_CLIENT_SCRIPT = `#!/bin/sh
# cu-node: the simulated node's package and service manager (src/local/fleet/cu-node-command.ts).
if [ -z "$CU_NODE_ID" ] || [ -z "$CU_FLEET_URL" ]; then
  echo 'cu-node: CU_NODE_ID and CU_FLEET_URL must be set (run me through the step runner)' >&2
  exit 2
fi
# A replica's port is what the node itself knows (the fleet writes it there whenever the replica starts): read
# here, no call to the controller. A node's check asks once per service, on the critical path of every outage.
if [ $# -eq 3 ] && [ "$1" = service ] && [ "$2" = port ] && [ -n "\${CU_NODE_ROOT:-}" ]; then
  case "$3" in
    *[!A-Za-z0-9._-]*) ;;
    *) if [ -r "$CU_NODE_ROOT/${CU_NODE_PORTS_DIRECTORY}/$3" ] && read -r port < "$CU_NODE_ROOT/${CU_NODE_PORTS_DIRECTORY}/$3" && [ -n "$port" ]; then
         printf '%s\\n' "$port"
         exit 0
       fi ;;
  esac
fi
count=$#
for arg do set -- "$@" --data-urlencode "arg=$arg"; done
shift "$count"
answer=$(curl -q -sS --noproxy '*' -X POST --data-urlencode "node=$CU_NODE_ID" "$@" -w '\\n%{http_code}' "$CU_FLEET_URL/cu-node") || {
  echo "cu-node: cannot reach the node agent at $CU_FLEET_URL" >&2
  exit 1
}
newline='
'
code=\${answer##*"$newline"}
message=\${answer%"$newline"*}
case "$code" in
  200) printf '%s\\n' "$message" ;;
  400) printf '%s\\n' "$message" >&2; exit 2 ;;
  *) printf 'cu-node: %s\\n' "$message" >&2; exit 1 ;;
esac
`;
