import { nextServiceLevel } from '../src/workflow/tasks/next-service-level';
import { taskHandler } from './task-handler';

export const handler = taskHandler('next-service-level', nextServiceLevel);
