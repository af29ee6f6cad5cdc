// Schema check of every action.yml against GitHub's action metadata syntax (the fields GitHub reads; unknown
// keys are errors, as they would be silently ignored by the runner).

import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

const ICONS = [
  'cloud',
  'upload-cloud',
  'download-cloud',
  'trash-2',
  'check-circle',
  'package',
  'zap',
] as const;
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'] as const;

const inputSchema = z
  .object({
    description: z.string().min(1),
    required: z.boolean().optional(),
    default: z.string().optional(),
    deprecationMessage: z.string().optional(),
  })
  .strict();

export const actionYmlSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1),
    author: z.string().optional(),
    branding: z
      .object({ icon: z.enum(ICONS), color: z.enum(COLORS) })
      .strict()
      .optional(),
    inputs: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), inputSchema).optional(),
    outputs: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.object({ description: z.string().min(1) }).strict())
      .optional(),
    runs: z
      .object({
        using: z.literal('node24'),
        main: z.string().regex(/\.js$/),
        pre: z.string().optional(),
        'pre-if': z.string().optional(),
        post: z.string().optional(),
        'post-if': z.string().optional(),
      })
      .strict(),
  })
  .strict();

export async function checkActionYml(file: string): Promise<string[]> {
  const doc = parse(await readFile(file, 'utf8'));
  const result = actionYmlSchema.safeParse(doc);
  if (result.success) return [];
  return result.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  const problems = (await Promise.all(files.map(checkActionYml))).flat();
  for (const p of problems) console.error(p);
  console.log(`action.yml schema: ${files.length} file(s), ${problems.length} problem(s)`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
