import type { NodeClaim } from '../aws/store/node-slots';
import type { TaskInput, WorkflowSettings } from './workflow-context';

/**
 * A claim on a node (its mutex and an outage slot per service it takes out)
 * made under this invocation's (owner, fence), expiring with the lease unless
 * re-claimed: what a platform wave and a service update claim alike.
 */
export function nodeClaim(input: TaskInput, settings: WorkflowSettings, node: string, holder: string, services: NodeClaim['services']): NodeClaim {
  return { cluster: input.cluster, updateId: input.updateId, owner: input.owner, fence: input.fence, node, holder, services, ttlSeconds: settings.leaseSeconds };
}
