import type { AwsClients } from '../aws/clients';

/**
 * Where the CLI sends its calls: the local stand-ins or a deployed stack. The
 * same code path serves both; only endpoints and credentials differ (DESIGN §6).
 */
export interface Target {
  readonly kind: 'local' | 'aws';
  readonly clients: AwsClients;
  readonly region: string;
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly documentName: string;
  /** Local only: the simulated fleet's controller, for what nodes themselves report. */
  readonly fleetUrl?: string;
  /** Local only: the cluster `local up` simulates, when no update id or --cluster is given. */
  readonly defaultCluster?: string;
  /** Local only: the manifest `local up` was started with, the default for `start`. */
  readonly defaultManifestPath?: string;
}

/** The target's table as every store's props take it. */
export function tableOf(target: Target): { readonly documents: AwsClients['documents']; readonly tableName: string } {
  return { documents: target.clients.documents, tableName: target.tableName };
}
