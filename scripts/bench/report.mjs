// docs/benchmarks.md holds one section per benchmark script; each script
// rewrites only its own, between `<!-- name -->` and `<!-- /name -->`.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../../tests/support/stack.mjs';

const FILE = join(ROOT, 'docs/benchmarks.md');

export async function writeSection(name, markdown) {
  const doc = await readFile(FILE, 'utf8').catch(() => '# Benchmarks\n');
  const block = `<!-- ${name} -->\n${markdown.trim()}\n<!-- /${name} -->\n`;
  const existing = new RegExp(`<!-- ${name} -->\\n[\\s\\S]*?<!-- /${name} -->\\n`);
  const updated = existing.test(doc) ? doc.replace(existing, () => block) : `${doc.trimEnd()}\n\n${block}`;
  await writeFile(FILE, updated);
  console.log(`\nWritten to docs/benchmarks.md (${name})`);
}
