import { handOver } from '../src/workflow/tasks/hand-over';
import { taskHandler } from './task-handler';

export const handler = taskHandler('hand-over', handOver);
