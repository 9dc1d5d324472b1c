import { turn, type ScenarioInput } from '../../adapters/model-double/index.ts';

export const DEMO_EPIC = 'demo';
export const DEMO_TASK = 'Add a slugify(text) function in src/slugify.js with a node:test test, and make npm test pass.';
/** Chosen so the 80 % warning fires in session 2 and the work still fits. */
export const DEMO_BUDGET = 0.14;
/** Session 1 hangs on this model call; the demo kills orch there. */
export const KILL_AT_TURN = 2;

const SLUGIFY = `export function slugify(text) {
  return text
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
`;

const TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slugify.js';

test('slugify lowercases and joins words with dashes', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

test('slugify drops accents and punctuation', () => {
  assert.equal(slugify('  Crème brûlée, s’il vous plaît! '), 'creme-brulee-s-il-vous-plait');
});
`;

/** What the scripted model does: session 1 writes code then hangs; session 2 tests and finishes. */
export const demoScenario: ScenarioInput = {
  cursor: 'shared',
  turns: [
    turn.write('src/slugify.js', SLUGIFY, { input: 6000, output: 400 }),
    turn.bash(`node -e "import('./src/slugify.js').then(m => console.log(m.slugify('Hello World')))"`, { input: 6500, output: 120 }),
    turn.hang('before'),
    turn.write('test/slugify.test.js', TEST, { input: 7000, output: 300 }),
    turn.bash('npm test 2>&1 | tail -5', { input: 7500, output: 80 }),
    turn.text('slugify() is in src/slugify.js and both tests pass (npm test).\nORCH_DONE', { input: 7800, output: 60 }),
  ],
};
