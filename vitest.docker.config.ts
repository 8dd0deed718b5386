// The Docker stacks after every other test, one file at a time (see DOCKER_TESTS).
import { defineConfig } from 'vitest/config';
import base, { DOCKER_TESTS } from './vitest.config.js';

export default defineConfig({ ...base, test: { ...base.test, include: DOCKER_TESTS, exclude: [], fileParallelism: false } });
