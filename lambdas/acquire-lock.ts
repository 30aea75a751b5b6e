import { acquireLock } from '../src/workflow/tasks/acquire-lock';
import { taskHandler } from './task-handler';

export const handler = taskHandler('acquire-lock', acquireLock);
