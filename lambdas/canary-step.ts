import { canaryStep } from '../src/workflow/tasks/canary-step';
import { taskHandler } from './task-handler';

export const handler = taskHandler('canary-step', canaryStep);
