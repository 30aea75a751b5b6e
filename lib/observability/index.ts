export { UpdateAlarms, type UpdateAlarmsProps } from './update-alarms';
export { UpdateDashboard, type UpdateDashboardProps } from './update-dashboard';
export { NOTIFIED_STATUSES, UpdateNotifications, type UpdateNotificationsProps } from './update-notifications';
export { workflowMetric } from './workflow-metric';
