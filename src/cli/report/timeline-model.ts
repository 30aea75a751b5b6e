import type { CheckpointPhase } from '../../aws/store/checkpoint-store';
import type { CheckpointStatus } from '../../core/checkpoint/transitions';

/** One bar of the timeline: a checkpoint, or (count > 1) the same step on many targets of a collapsed lane. */
export interface TimelineBar {
  readonly phase: CheckpointPhase;
  /** The node or service; `N nodes` for an aggregated bar. */
  readonly target: string;
  /** The checkpoint step; for an aggregated replica bar, its kind (`update`, `health`, `run`). */
  readonly step: string;
  readonly status: CheckpointStatus;
  /** A span has a start; a marker is a checkpoint recorded without one (a skip), drawn at its single time. */
  readonly kind: 'span' | 'marker';
  /** Epoch ms. */
  readonly startMs: number;
  /** Epoch ms; the report's generation time while the step still runs. */
  readonly endMs: number;
  /** The checkpoint has no end yet (still running when the report was generated). */
  readonly open: boolean;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
  readonly reason?: string;
  /** How many checkpoints the bar stands for: 1, or more in a collapsed lane. */
  readonly count: number;
  readonly statusCounts: Readonly<Partial<Record<CheckpointStatus, number>>>;
}

/** One row of the timeline. */
export interface TimelineLane {
  /** Unique within the timeline, e.g. `wave:2:node-7`. */
  readonly key: string;
  readonly label: string;
  /** A short qualifier shown after the label, e.g. `L3` or `120 nodes`. */
  readonly detail?: string;
  readonly bars: readonly TimelineBar[];
  /** The service as a whole (`service` step), drawn under its replicas. */
  readonly summary?: TimelineBar;
}

export type TimelineGroupKind = 'pre-hooks' | 'canary' | 'handover' | 'wave' | 'service' | 'post-hooks' | 'rollback';

/** Lanes under one heading: the pre-update hooks, the canary, a wave, the services, … */
export interface TimelineGroup {
  readonly key: string;
  readonly kind: TimelineGroupKind;
  readonly title: string;
  readonly lanes: readonly TimelineLane[];
  /** The group's rows were folded into aggregated bars because there were too many. */
  readonly collapsed: boolean;
}

export interface Timeline {
  /** Epoch ms of the axis origin: the update's creation or its first checkpoint, whichever is earlier. */
  readonly startMs: number;
  /** Epoch ms of the axis end: the last checkpoint's end, or the generation time while steps run. */
  readonly endMs: number;
  readonly groups: readonly TimelineGroup[];
}
