import type { CheckpointRecord } from '../../aws/store/checkpoint-store';

/** Everything the HTML report shows about one update, gathered by the `report` command. */
export interface ReportInput {
  readonly updateId: string;
  readonly cluster: string;
  readonly release: string;
  readonly previous?: string;
  /** Update status: PENDING | RUNNING | SUCCEEDED | FAILED | STOPPED */
  readonly status: string;
  readonly phase: string;
  readonly planHash?: string;
  readonly canary?: string;
  readonly waves: readonly (readonly string[])[]; // node ids per wave, in order
  readonly serviceOrder: readonly (readonly string[])[]; // DAG levels
  readonly executionArn?: string;
  readonly error?: string; // why it failed, if it did
  readonly createdAt: string; // ISO
  readonly generatedAt: string; // ISO, "now"
  readonly checkpoints: readonly CheckpointRecord[];
  readonly services: readonly { name: string; state: string; release?: string; reason?: string }[];
  readonly nodes: readonly { id: string; release: string | null; state: string }[];
}
