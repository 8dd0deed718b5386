import { describe, expect, it } from 'vitest';
import { replaceBlock } from './profiles.js';

const cpu = (text: string) => `<!-- generated:cpu (bench/src/report; replaced by each run, edit outside it) -->\n${text}\n<!-- /generated:cpu -->`;
const memory = (text: string) => `<!-- generated:memory (bench/src/report; replaced by each run, edit outside it) -->\n${text}\n<!-- /generated:memory -->`;

describe('replaceBlock', () => {
  it('replaces only its own block and keeps the hand-written text around it', () => {
    const doc = `# Profiles\n\nHand-written intro.\n\n${cpu('old cpu')}\n\n${memory('old memory')}\n\n## Analysis\n\nBy hand.\n`;
    const next = replaceBlock(doc, 'memory', '# Where the memory goes\n\nnew');
    expect(next).toBe(`# Profiles\n\nHand-written intro.\n\n${cpu('old cpu')}\n\n${memory('# Where the memory goes\n\nnew')}\n\n## Analysis\n\nBy hand.\n`);
    expect(replaceBlock(next, 'cpu', 'new cpu')).toContain(`${cpu('new cpu')}\n\n${memory('# Where the memory goes\n\nnew')}\n\n## Analysis`);
  });

  it('adds a missing block at the end', () => {
    expect(replaceBlock(`${cpu('c')}\n\nNotes.\n`, 'memory', 'm')).toBe(`${cpu('c')}\n\nNotes.\n\n${memory('m')}\n`);
  });

  it('takes a file from before the blocks for the CPU profile\'s block', () => {
    expect(replaceBlock('# Where the CPU time goes\n\nold\n', 'memory', 'm')).toBe(`${cpu('# Where the CPU time goes\n\nold')}\n\n${memory('m')}\n`);
    expect(replaceBlock('# Where the CPU time goes\n\nold\n', 'cpu', 'new')).toBe(`${cpu('new')}\n`);
  });
});
