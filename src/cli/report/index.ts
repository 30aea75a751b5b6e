export type { ReportInput } from './report-input';
export { renderReportHtml } from './render-report';
export { DEFAULT_COLLAPSE_ABOVE, type TimelineOptions } from './timeline-lanes';
