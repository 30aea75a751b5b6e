import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_NAMESPACE, METRIC_SERVICE, MetricDimension, type MetricName } from '../../src/workflow/metric-names';

/**
 * A metric the Lambdas emit, across all clusters (the {service} dimension
 * set, or {service, phase} for PhaseDuration): the stack is not tied to one
 * cluster, so alarms and the dashboard watch the sum.
 */
export function workflowMetric(name: MetricName, options: { readonly phase?: string; readonly statistic?: string; readonly label?: string; readonly period?: Duration } = {}): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { [MetricDimension.service]: METRIC_SERVICE, ...(options.phase ? { [MetricDimension.phase]: options.phase } : {}) },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    label: options.label,
  });
}
