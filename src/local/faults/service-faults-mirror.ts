import { installArmedFaultPoints } from '../../workflow/local-fault-point';
import { ServiceFaults, type ServiceFaultCounts, type ServiceFaultSettings } from './service-faults';
import { TaskFaults, type ArmedTaskFault } from './task-faults';

/**
 * The control plane's copy of the fleet's service faults. `local fault`
 * sets them on the fleet controller (`/service-faults`, in the fleet
 * supervisor, where SSM throttles); the DynamoDB fault proxy runs beside
 * DynamoDB Local, and Lambda tasks are invoked by the Step Functions runtime,
 * both in the control plane, so they follow the fleet's DynamoDB and Lambda
 * settings (polled twice a second) and hands back what it produced, so
 * `local fault status` counts every fault in one place. The task faults armed
 * there (`/task-faults`) are mirrored the same way into the handlers of this
 * process (installArmedFaultPoints), and those that fired are reported back,
 * so each fires once.
 */
export class ServiceFaultsMirror {
  public static start(fleetUrl: string, intervalMs = 500): ServiceFaultsMirror {
    const mirror = new ServiceFaultsMirror(fleetUrl);
    mirror.timer = setInterval(() => void mirror.sync().catch(() => undefined), intervalMs);
    mirror.timer.unref();
    installArmedFaultPoints(mirror.taskFaults);
    return mirror;
  }

  public readonly faults = new ServiceFaults();
  public readonly taskFaults = new TaskFaults();
  private timer?: NodeJS.Timeout;
  private reported: ServiceFaultCounts = { ssmThrottled: 0, dynamodbTransactionConflicts: 0, dynamodbThroughputExceeded: 0, lambdaThrottled: 0 };

  private constructor(private readonly fleetUrl: string) {}

  public async sync(): Promise<void> {
    const produced = this.faults.produced;
    const delta = {
      dynamodbTransactionConflicts: produced.dynamodbTransactionConflicts - this.reported.dynamodbTransactionConflicts,
      dynamodbThroughputExceeded: produced.dynamodbThroughputExceeded - this.reported.dynamodbThroughputExceeded,
      lambdaThrottled: produced.lambdaThrottled - this.reported.lambdaThrottled,
    };
    const taskFaultsFired = this.taskFaults.takeUnreported();
    const response = await fetch(`${this.fleetUrl}/service-faults/produced`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...delta, taskFaultsFired }), signal: AbortSignal.timeout(2_000) }).catch((error: unknown) => {
      this.taskFaults.unreport(taskFaultsFired);
      throw error;
    });
    if (!response.ok) return this.taskFaults.unreport(taskFaultsFired);
    this.reported = { ...this.reported, ...produced, ssmThrottled: 0 };
    const { faults, taskFaults } = (await response.json()) as { faults?: ServiceFaultSettings; taskFaults?: ArmedTaskFault[] };
    this.taskFaults.replace(taskFaults ?? []);
    // Every mirrored setting is given (0 when off), so no clear() first: it would restart the Lambda throttle's spread every poll.
    this.faults.configure({
      transactionConflictFraction: faults?.transactionConflictFraction ?? 0,
      throughputExceededFraction: faults?.throughputExceededFraction ?? 0,
      lambdaThrottleFraction: faults?.lambdaThrottleFraction ?? 0,
    });
  }

  public stop(): void {
    if (this.timer) clearInterval(this.timer);
    installArmedFaultPoints(undefined);
  }
}
