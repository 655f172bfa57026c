import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Every function (declarations, methods, arrows, expressions) in the project's own code, with its length in lines. */
function functions(dirs: readonly string[]): { where: string; name: string; lines: number }[] {
  const out: { where: string; name: string; lines: number }[] = [];
  for (const dir of dirs) {
    for (const rel of readdirSync(dir, { recursive: true }).map(String)) {
      if (!/\.tsx?$/.test(rel) || /\.test\.tsx?$|\.generated\.ts$/.test(rel)) continue;
      const file = path.join(dir, rel);
      const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
          const end = src.getLineAndCharacterOfPosition(node.getEnd()).line;
          const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : '(anonymous)';
          out.push({ where: `${file}:${start + 1}`, name, lines: end - start + 1 });
        }
        ts.forEachChild(node, visit);
      };
      visit(src);
    }
  }
  return out;
}

describe('function size (a function does one job)', () => {
  const all = functions(['lib', 'models', 'components']);

  it('finds the functions it measures', () => {
    expect(all.find((f) => f.name === 'runPipeline')).toBeDefined();
    expect(all.length).toBeGreaterThan(500);
  });

  it('no function in lib/, models/ or components/ is over 100 lines', () => {
    expect(all.filter((f) => f.lines > 100).map((f) => `${f.where} ${f.name} (${f.lines} lines)`)).toEqual([]);
  });

  it('runPipeline composes the stages in under 40 lines', () => {
    expect(all.find((f) => f.name === 'runPipeline')!.lines).toBeLessThan(40);
  });
});
