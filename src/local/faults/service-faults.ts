/**
 * Faults the real services produce under load, injected into the local
 * stand-ins so the workflow's handling of them is exercised:
 * - SSM answers SendCommand above its request rate with ThrottlingException
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html);
 * - DynamoDB cancels a transaction that meets another on the same item with
 *   TransactionCanceledException / TransactionConflict and answers throttled
 *   requests with ProvisionedThroughputExceededException
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 * - Lambda throttles an invocation beyond its concurrency or request rate
 *   before the handler runs; Step Functions reports `Lambda.TooManyRequestsException`
 *   (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html,
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 * DynamoDB Local never conflicts or throttles, the SSM emulator never
 * throttles by itself, and the local Lambda runs every invocation, so without
 * these the code paths would go untested.
 */

/**
 * The SendCommand rate the local SSM throttles above when throttling is on,
 * in requests per second (a bucket of one second's worth). The stored AWS
 * documentation (Systems Manager endpoints and quotas,
 * https://docs.aws.amazon.com/general/latest/gr/ssm.html) lists no SendCommand
 * rate that could be confirmed here; 5/s is a deliberately low assumption
 * (set another with `local fault throttle --rate`).
 */
export const DEFAULT_SEND_COMMAND_RATE = 5;

export interface ServiceFaultSettings {
  /** SendCommand requests per second above which SSM answers ThrottlingException. @default no throttling */
  readonly sendCommandRate?: number;
  /** Fraction (0–1) of TransactWriteItems cancelled with TransactionConflict. @default 0 */
  readonly transactionConflictFraction?: number;
  /** Fraction (0–1) of other DynamoDB calls answered ProvisionedThroughputExceededException. @default 0 */
  readonly throughputExceededFraction?: number;
  /** Fraction (0–1) of Lambda task invocations throttled (Lambda.TooManyRequestsException), spread evenly. @default 0 */
  readonly lambdaThrottleFraction?: number;
}

export interface ServiceFaultCounts {
  readonly ssmThrottled: number;
  readonly dynamodbTransactionConflicts: number;
  readonly dynamodbThroughputExceeded: number;
  readonly lambdaThrottled: number;
}

/** The faults in force and how many of each were produced (what the workflow absorbed). */
export class ServiceFaults {
  private settings: ServiceFaultSettings = {};
  private tokens = 0;
  private refilledAt = Date.now();
  private counts = { ssmThrottled: 0, dynamodbTransactionConflicts: 0, dynamodbThroughputExceeded: 0, lambdaThrottled: 0 };
  /** Lambda invocations seen since the throttle fraction was set (throttleLambdaInvocation spreads its throttles over them). */
  private lambdaInvocations = 0;

  public constructor(settings: ServiceFaultSettings = {}, private readonly random: () => number = Math.random) {
    this.configure(settings);
  }

  /** Replaces the settings given (others stay). */
  public configure(settings: ServiceFaultSettings): void {
    for (const [name, value] of Object.entries(settings)) {
      if (value === undefined) continue;
      const fraction = name !== 'sendCommandRate';
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (fraction && value > 1) || (!fraction && value === 0)) {
        throw new RangeError(`${name} must be ${fraction ? 'a fraction from 0 to 1' : 'a rate above 0 per second'}, got ${String(value)}`);
      }
    }
    if (settings.lambdaThrottleFraction !== undefined && settings.lambdaThrottleFraction !== this.settings.lambdaThrottleFraction) this.lambdaInvocations = 0;
    this.settings = { ...this.settings, ...settings };
    if (settings.sendCommandRate !== undefined) {
      this.tokens = settings.sendCommandRate;
      this.refilledAt = Date.now();
    }
  }

  public clear(): void {
    this.settings = {};
  }

  /** Faults another process produced on these settings' behalf (the control plane's DynamoDB proxy). */
  public addProduced(counts: Partial<ServiceFaultCounts>): void {
    this.counts.ssmThrottled += counts.ssmThrottled ?? 0;
    this.counts.dynamodbTransactionConflicts += counts.dynamodbTransactionConflicts ?? 0;
    this.counts.dynamodbThroughputExceeded += counts.dynamodbThroughputExceeded ?? 0;
    this.counts.lambdaThrottled += counts.lambdaThrottled ?? 0;
  }

  public get current(): ServiceFaultSettings {
    return { ...this.settings };
  }

  public get produced(): ServiceFaultCounts {
    return { ...this.counts };
  }

  /** A token bucket of one second's worth of SendCommands: false (and counted) when this one is over the rate. */
  public admitSendCommand(): boolean {
    const rate = this.settings.sendCommandRate;
    if (rate === undefined) return true;
    const now = Date.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.counts.ssmThrottled += 1;
    return false;
  }

  /** Whether this TransactWriteItems is cancelled with a TransactionConflict (counted). */
  public conflictTransaction(): boolean {
    if (!(this.random() < (this.settings.transactionConflictFraction ?? 0))) return false;
    this.counts.dynamodbTransactionConflicts += 1;
    return true;
  }

  /** Whether this DynamoDB call is answered ProvisionedThroughputExceededException (counted). */
  public exceedThroughput(): boolean {
    if (!(this.random() < (this.settings.throughputExceededFraction ?? 0))) return false;
    this.counts.dynamodbThroughputExceeded += 1;
    return true;
  }

  /**
   * Whether Lambda throttles this task invocation (counted). Deterministic:
   * with fraction f, invocation n is throttled when ⌊(n+1)·f⌋ > ⌊n·f⌋, so
   * 0.2 throttles every fifth and never two in a row below 0.5 — a test meets
   * throttles without the luck of a random draw, and the definition's Retry
   * (six attempts) always gets through.
   */
  public throttleLambdaInvocation(): boolean {
    const fraction = this.settings.lambdaThrottleFraction ?? 0;
    if (fraction === 0) return false;
    const n = this.lambdaInvocations;
    this.lambdaInvocations += 1;
    if (!(Math.floor((n + 1) * fraction) > Math.floor(n * fraction))) return false;
    this.counts.lambdaThrottled += 1;
    return true;
  }
}
