import { updateService } from '../src/workflow/tasks/update-service';
import { taskHandler } from './task-handler';

export const handler = taskHandler('update-service', updateService);
