// Every action by name. Loaded on demand, so the CLI starts with only the action it runs.

import type { AnyAction } from './shared/action-definition.ts';

export const ACTION_LOADERS: Record<string, () => Promise<AnyAction>> = {
  'register-model': async () => (await import('./register-model/main.ts')).registerModelAction,
  'deploy-model': async () => (await import('./deploy-model/main.ts')).deployModelAction,
  'smoke-test-service': async () => (await import('./smoke-test-service/main.ts')).smokeTestAction,
  'delete-service': async () => (await import('./delete-service/main.ts')).deleteServiceAction,
  pipeline: async () => (await import('./pipeline/main.ts')).pipelineAction,
};

export const ACTION_NAMES = Object.keys(ACTION_LOADERS);

/** All actions, for the metadata generator and its test. */
export async function loadAllActions(): Promise<AnyAction[]> {
  return Promise.all(Object.values(ACTION_LOADERS).map((load) => load()));
}
