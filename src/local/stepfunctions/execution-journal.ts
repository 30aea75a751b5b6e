import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from './execution-history';
import type { ExecutionStatus } from './local-execution';
import type { ScopeRecord } from './run-trace';

/** What survives a crash of the local runtime about one execution. */
export interface JournaledExecution {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly status: ExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveCount: number;
  readonly redriveDate?: string;
  /** How many times a crash of the runtime made it re-run from its input. */
  readonly restarts: number;
  readonly events: readonly HistoryEvent[];
  /** Where each scope stood when the execution stopped (what a redrive continues from); absent while RUNNING. */
  readonly trace?: Record<string, ScopeRecord>;
}

type JournaledState = Omit<JournaledExecution, 'events'>;

/**
 * Keeps executions on disk under the run directory, as Step Functions keeps
 * them durably: per execution a state file (rewritten atomically on every
 * status change) and its history as one JSON line per event (appended as it
 * happens). A crash loses at most the event being written.
 */
export class ExecutionJournal {
  public constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  public save(state: JournaledState): void {
    const file = this.stateFile(state.arn);
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  }

  public appendEvent(arn: string, event: HistoryEvent): void {
    appendFileSync(this.eventsFile(arn), `${JSON.stringify(event)}\n`);
  }

  /** Every execution journaled here, with its history. */
  public load(): JournaledExecution[] {
    return readdirSync(this.directory)
      .filter((name) => name.endsWith('.json'))
      .flatMap((name) => {
        let state: JournaledState;
        try {
          state = JSON.parse(readFileSync(join(this.directory, name), 'utf8')) as JournaledState;
        } catch {
          return []; // never written whole: the rename makes that impossible, but a stray file is not ours
        }
        const eventsFile = this.eventsFile(state.arn);
        const events = existsSync(eventsFile)
          ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).flatMap((line) => {
              try {
                return [JSON.parse(line) as HistoryEvent];
              } catch {
                return []; // the line the crash cut short
              }
            })
          : [];
        return [{ ...state, events }];
      });
  }

  private stateFile(arn: string): string {
    return join(this.directory, `${fileName(arn)}.json`);
  }

  private eventsFile(arn: string): string {
    return join(this.directory, `${fileName(arn)}.events.jsonl`);
  }
}

/** `<state machine>--<execution name>`: both are [A-Za-z0-9_-], so this is a safe file name. */
function fileName(arn: string): string {
  const [machine, name] = arn.split(':').slice(-2);
  return `${machine}--${name}`;
}
