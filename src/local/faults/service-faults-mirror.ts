import { ServiceFaults, type ServiceFaultCounts, type ServiceFaultSettings } from './service-faults';

/**
 * The control plane's copy of the fleet's service faults. `local fault`
 * sets them on the fleet controller (`/service-faults`, in the fleet
 * supervisor, where SSM throttles); the DynamoDB fault proxy runs beside
 * DynamoDB Local, and Lambda tasks are invoked by the Step Functions runtime,
 * both in the control plane, so they follow the fleet's DynamoDB and Lambda
 * settings (polled twice a second) and hands back what it produced, so
 * `local fault status` counts every fault in one place.
 */
export class ServiceFaultsMirror {
  public static start(fleetUrl: string, intervalMs = 500): ServiceFaultsMirror {
    const mirror = new ServiceFaultsMirror(fleetUrl);
    mirror.timer = setInterval(() => void mirror.sync().catch(() => undefined), intervalMs);
    mirror.timer.unref();
    return mirror;
  }

  public readonly faults = new ServiceFaults();
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
    const response = await fetch(`${this.fleetUrl}/service-faults/produced`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(delta), signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return;
    this.reported = { ...this.reported, ...produced, ssmThrottled: 0 };
    const { faults } = (await response.json()) as { faults?: ServiceFaultSettings };
    // Every mirrored setting is given (0 when off), so no clear() first: it would restart the Lambda throttle's spread every poll.
    this.faults.configure({
      transactionConflictFraction: faults?.transactionConflictFraction ?? 0,
      throughputExceededFraction: faults?.throughputExceededFraction ?? 0,
      lambdaThrottleFraction: faults?.lambdaThrottleFraction ?? 0,
    });
  }

  public stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
