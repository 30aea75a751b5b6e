import { runRollout } from '../src/workflow/tasks/run-rollout';
import { taskHandler } from './task-handler';

export const handler = taskHandler('run-rollout', runRollout);
