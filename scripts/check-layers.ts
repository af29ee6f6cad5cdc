// The import structure stays as docs/ARCHITECTURE.md draws it: no circle, and no import that runs back up
// a layer (cli → actions → targets → registry → azure → config → pyyaml/content/io → base; probe and report
// beside, below targets). Also: no action imports another action's modules (inputs.ts aside, which the
// pipeline reuses), and the two targets do not import each other. Every import counts: static, dynamic and
// type-only. Usage: node scripts/check-layers.ts [src-dir]; exit 1 with one line per problem.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? 'src');

/** Layer of each top-level part of src/, lowest first. A part imports its own layer's files or lower ones. */
const RANK: Record<string, number> = {
  // The files at the top of src/ (errors, log, clock, run-deps): one base layer.
  base: 0,
  io: 1,
  pyyaml: 1,
  content: 1,
  config: 2,
  azure: 3,
  registry: 4,
  probe: 4,
  report: 4,
  targets: 5,
  actions: 6,
  cli: 7,
};

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listFiles(full);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(IMPORT)].map((m) => path.resolve(path.dirname(file), m[1]!));
}

const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
const part = (f: string) => {
  const parts = rel(f).split('/');
  return parts.length === 1 ? 'base' : parts[0]!;
};

function problemOf(from: string, to: string): string | undefined {
  const a = rel(from);
  const b = rel(to);
  const pa = part(from);
  const pb = part(to);
  const ra = RANK[pa];
  const rb = RANK[pb];
  if (ra === undefined) return `${a}: src/${pa} has no layer in scripts/check-layers.ts`;
  if (rb === undefined) return `${a} imports ${b}: src/${pb} has no layer in scripts/check-layers.ts`;
  if (pa !== pb && rb >= ra) return `${a} imports ${b}: ${pb} is not below ${pa}`;
  if (pa === 'actions' && pb === 'actions') {
    // src/actions/<action>/…: its own folder, shared/, the files at the top of src/actions (the runner entry),
    // and any action's inputs.ts (the pipeline takes the four actions' inputs).
    const [, fromAction] = a.split('/');
    const [, toAction, ...rest] = b.split('/');
    const fromTop = a.split('/').length === 2;
    const toTop = b.split('/').length === 2;
    if (
      !fromTop &&
      !toTop &&
      toAction !== fromAction &&
      toAction !== 'shared' &&
      rest.join('/') !== 'inputs.ts'
    ) {
      return `${a} imports ${b}: an action uses shared/ and its own modules, not another action's`;
    }
  }
  if (pa === 'targets' && pb === 'targets') {
    // targets/local and targets/azureml use targets/target.ts, never each other (nor open-target.ts).
    const [, fromKind] = a.split('/');
    const [, toKind] = b.split('/');
    const kindOf = (s: string | undefined) => (s && !s.endsWith('.ts') ? s : undefined);
    if (kindOf(fromKind) && kindOf(toKind) && fromKind !== toKind) {
      return `${a} imports ${b}: one target does not use another's modules`;
    }
    if (kindOf(fromKind) && b === 'targets/open-target.ts') {
      return `${a} imports ${b}: a target implementation does not open targets`;
    }
  }
  return undefined;
}

/** Tarjan's strongly connected components: every circle of two or more files (or a file importing itself). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const files = listFiles(root);
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files) {
  const targets = importsOf(file).filter((t) => t.startsWith(root + path.sep));
  graph.set(file, targets);
  for (const t of targets) {
    const problem = problemOf(file, t);
    if (problem) problems.push(problem);
  }
}
for (const scc of circles(graph)) problems.push(`circle: ${scc.map(rel).join(' ↔ ')}`);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} import problem(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`imports: ${files.length} files, no circle, every import runs down a layer`);
