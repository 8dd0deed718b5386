import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier the files reachable from `entry` import, following relative imports. */
function importsReachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(join(here, file), 'utf8');
    for (const match of source.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'/g)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('./')) visit(specifier.slice(2).replace(/\.js$/, '.ts'));
      else specifiers.add(specifier);
    }
  };
  visit(entry);
  return specifiers;
}

describe('the browser entry point', () => {
  it('imports nothing Node-only; only node.ts brings in ws and eventsource', () => {
    const browser = importsReachableFrom('index.ts');
    expect([...browser].sort()).toEqual(['@dish-live/protocol']);
    const node = importsReachableFrom('node.ts');
    expect(node.has('ws') && node.has('eventsource')).toBe(true);
  });
});
