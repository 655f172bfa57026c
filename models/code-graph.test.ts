import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importGraph, PROJECT } from './code-graph';
import { modelInputsHash, PIPELINE_ENTRY } from './pipeline';

const catalog = { version: 'c1', source: { datasetSha256: 'd1' } } as Parameters<typeof modelInputsHash>[0];

describe('what the model is a function of', () => {
  const graph = importGraph([PIPELINE_ENTRY]);
  const tmp = mkdtempSync(path.join(tmpdir(), 'tandem-graph-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("is the pipeline's import graph: the ONNX encoder's schema and the feature code included, the store's UI not", () => {
    // models/fit-worker.ts is loaded by URL (a worker thread), not imported: it trains every tower all the same.
    for (const f of ['models/export/onnx-schema.ts', 'models/export/onnx.ts', 'models/export/coreml-schema.ts', 'lib/recs/features.ts', 'lib/recs/score.ts', 'lib/recs/reasons.ts', 'models/evaluate.ts', 'models/fit-worker.ts']) expect(graph).toContain(f);
    expect(graph.some((f) => f.startsWith('components/') || f.startsWith('app/'))).toBe(false);
  });

  it('a changed ONNX encoder file (or any file the pipeline imports) marks the model stale', () => {
    for (const f of graph) {
      mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      cpSync(path.join(PROJECT, f), path.join(tmp, f));
    }
    const before = modelInputsHash(catalog, tmp);
    expect(modelInputsHash(catalog, tmp)).toBe(before);
    appendFileSync(path.join(tmp, 'models/export/onnx-schema.ts'), '\n// a new field\n');
    const after = modelInputsHash(catalog, tmp);
    expect(after).not.toBe(before);
    // A new file the pipeline starts importing counts too.
    writeFileSync(path.join(tmp, 'models/extra.ts'), 'export const x = 1;\n');
    appendFileSync(path.join(tmp, PIPELINE_ENTRY), "\nimport './extra';\n");
    expect(importGraph([PIPELINE_ENTRY], tmp)).toContain('models/extra.ts');
    expect(modelInputsHash(catalog, tmp)).not.toBe(after);
  });
});
