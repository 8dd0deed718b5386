// The Lighthouse audit alone, after every other test has finished, so that no other test's load lowers its score.
import { defineConfig } from 'vitest/config';
import base, { LIGHTHOUSE_TEST } from './vitest.config.js';

export default defineConfig({ ...base, test: { ...base.test, include: [LIGHTHOUSE_TEST], exclude: [] } });
