// The delete step of delete-service and the pipeline (delete-after): the target deletes, the section says
// what went, the `deleted` output lists it (also when something asked for was missing).

import { addFacts, fact, type Report } from '../../report/report.ts';
import {
  type DeleteRequest,
  type DeleteResult,
  MissingResourceError,
  type Target,
  type TargetDeps,
} from '../../targets/target.ts';
import type { deleteOutputs } from '../delete-service/inputs.ts';
import type { ActionContext } from './action-definition.ts';

export async function runDelete(
  request: DeleteRequest,
  title: string,
  target: Target,
  deps: TargetDeps,
  ctx: Pick<ActionContext<typeof deleteOutputs>, 'report' | 'setOutput'>,
): Promise<DeleteResult> {
  const { io } = deps;
  const report: Report = ctx.report;
  const section = report.section('delete-service', `Delete ${title}`);
  try {
    const result = await target.delete(request, (line) => {
      io.info(line);
      report.event(section, line);
    });
    const { deleted } = result;
    ctx.setOutput('deleted', deleted);
    addFacts(
      section,
      fact('Target', target.label),
      fact('Deleted', deleted.length > 0 ? deleted.join(', ') : 'nothing (already gone)'),
    );
    section.notes.push(...target.notes());
    report.finish(section, deleted.length > 0 ? 'succeeded' : 'unchanged');
    io.info(deleted.length > 0 ? `deleted: ${deleted.join(', ')}` : 'nothing to delete: already gone');
    return result;
  } catch (err) {
    if (err instanceof MissingResourceError) ctx.setOutput('deleted', err.result.deleted);
    report.fail(section, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
