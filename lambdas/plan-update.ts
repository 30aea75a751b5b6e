import { planUpdateTask } from '../src/workflow/tasks/plan-update-task';
import { taskHandler } from './task-handler';

export const handler = taskHandler('plan-update', planUpdateTask);
