import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier the files reachable from `entry` import, following relative imports; `type:` marks `import type`. */
function importsReachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(join(here, file), 'utf8');
    for (const match of source.matchAll(/(import type|import|export)[^'"]*?from\s+'([^']+)'/g)) {
      const specifier = match[2] ?? '';
      if (specifier.startsWith('./')) visit(specifier.slice(2).replace(/\.js$/, '.ts'));
      else specifiers.add(match[1] === 'import type' ? `type:${specifier}` : specifier);
    }
  };
  visit(entry);
  return specifiers;
}

describe('the browser entry point', () => {
  it('imports nothing Node-only, and from the protocol only types and its zod-free wire values (no validators in the browser bundle), and a pure-JS SHA-256 for the digests', () => {
    const browser = importsReachableFrom('index.ts');
    expect([...browser].sort()).toEqual(['@dish-live/protocol/wire', 'type:@dish-live/protocol']);
    const node = importsReachableFrom('node.ts');
    expect(node.has('ws') && node.has('eventsource')).toBe(true);
  });
});
