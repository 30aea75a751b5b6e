import type { UpdateView } from './update-view';

/** The `status --json` contract (issue #6): a stable subset of the view for scripts. */
export interface StatusJson {
  readonly updateId: string;
  readonly executionArn: string | null;
  readonly status: string;
  readonly phase: string;
  readonly nodes: readonly { id: string; release: string | null; state: string }[];
  readonly services: readonly { name: string; state: string; release: string | null }[];
  readonly error?: string;
  /** Replicas held out of service (`status` only): failed ones stay out until a resume. */
  readonly out?: readonly { service: string; node: string; holder: string; failed: boolean; error?: string }[];
}

export function statusJson(view: UpdateView): StatusJson {
  return {
    updateId: view.updateId,
    executionArn: view.executionArn ?? null,
    status: view.status,
    phase: view.phase,
    nodes: view.nodes.map((n) => ({ id: n.id, release: n.release, state: n.state })),
    services: view.services.map((s) => ({ name: s.name, state: s.state, release: s.release ?? null, ...(s.reason ? { reason: s.reason } : {}) })),
    ...(view.error ? { error: view.error } : {}),
    ...(view.outages ? { out: view.outages } : {}),
  };
}
