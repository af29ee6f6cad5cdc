import { runOnRunner } from '../run-on-runner.ts';
import { registerModelAction } from './main.ts';

await runOnRunner(registerModelAction);
