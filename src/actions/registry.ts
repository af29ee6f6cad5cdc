// Every action by name, for the CLI, the metadata generator and the metadata test.

import { deleteServiceAction } from './delete-service/main.ts';
import { deployModelAction } from './deploy-model/main.ts';
import { pipelineAction } from './pipeline/main.ts';
import { registerModelAction } from './register-model/main.ts';
import type { AnyAction } from './shared/action-definition.ts';
import { smokeTestAction } from './smoke-test-service/main.ts';

export const ACTIONS: Record<string, AnyAction> = {
  'register-model': registerModelAction,
  'deploy-model': deployModelAction,
  'smoke-test-service': smokeTestAction,
  'delete-service': deleteServiceAction,
  pipeline: pipelineAction,
};
