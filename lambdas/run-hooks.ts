import { runHooks } from '../src/workflow/tasks/run-hooks';
import { taskHandler } from './task-handler';

export const handler = taskHandler('run-hooks', runHooks);
