/**
 * A scratch copy of this checkout for a run on another data set (a ×K shop: `npm run bench:train`, `npm run
 * bench:scale`), so public/models and data/ here are left alone, and a command run in it with its output in a log.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, createWriteStream, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Runs a command with its output in `log`, echoing the stage lines (the pipeline's own progress) here. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: string): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    const child = spawn(cmd, args, { cwd, env });
    let buffered = '';
    let text = '';
    const echo = (chunk: Buffer) => {
      out.write(chunk);
      text += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) if (/^models: (stage |\d+ towers|[0-9a-f]{12} is current)|^data:scale: \d/.test(line)) console.log(`  ${line}`);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('close', (code) => {
      out.end();
      resolve({ code: code ?? 1, text });
    });
  });
}

/** A scratch copy of this checkout: the code and the committed model, node_modules linked, no build output. */
export function scratchCheckout(root: string, k: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), `tandem-scale-x${k}-`));
  const skip = new Set(['node_modules', '.next', '.git', 'bench-results', 'test-results', 'playwright-report']);
  for (const entry of readdirSync(root)) {
    if (skip.has(entry)) continue;
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true, filter: (src) => !src.includes(`${path.sep}data${path.sep}scale`) && !src.endsWith(`${path.sep}data${path.sep}catalog.json`) });
  }
  // Hard links, not a symlink: Next's Turbopack resolves packages only inside the project's own root. A symlink
  // where hard links cannot be made (another filesystem) is enough for the training scripts.
  try {
    execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(dir, 'node_modules')]);
  } catch {
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  }
  // The pipeline finds ../shared beside a checkout; the scratch copy names its data set instead.
  return dir;
}

