// Whether a test that runs containers runs here: without a Docker engine a developer's `npm test` still runs
// everything else (the suite says why it skipped); under CI=true the same situation is a failure.
import { getContainerRuntimeClient } from 'testcontainers';

/** `problem`: why Docker does not answer (undefined when it does), for a CI run to fail with. */
export async function dockerSuite(name: string): Promise<{ skip: boolean; title: string; problem: string | undefined }> {
  let problem: string | undefined;
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    problem = (err as Error).message;
  }
  const skip = problem !== undefined && process.env.CI !== 'true';
  return { skip, title: skip ? `${name} (skipped: Docker does not answer: ${problem})` : name, problem };
}
