/**
 * Offline checks of Kubernetes manifests against the API schema, with the validators of the
 * `kubernetes-models` package (one per apiVersion and kind): types, enums, required fields and formats.
 */
import { parseAllDocuments } from 'yaml';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly [key: string]: unknown;
}

/** Every document of a YAML text (empty ones skipped); a YAML error throws. */
export function parseManifests(text: string, where: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: a document is not a mapping`);
    const m = value as Manifest;
    if (typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') throw new Error(`${where}: a document without apiVersion and kind`);
    out.push(m);
  }
  return out;
}

/** Validates one manifest against its kind's schema; throws with the validator's message. */
export async function validateManifest(manifest: Manifest, where: string): Promise<void> {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(manifest.apiVersion) || !/^[A-Z][A-Za-z]+$/.test(manifest.kind)) {
    throw new Error(`${where}: unknown apiVersion/kind ${manifest.apiVersion} ${manifest.kind}`);
  }
  let Model: ModelClass;
  try {
    const mod = (await import(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`)) as Record<string, ModelClass | undefined>;
    const found = mod[manifest.kind];
    if (found === undefined) throw new Error('no model');
    Model = found;
  } catch {
    throw new Error(`${where}: no Kubernetes schema for ${manifest.apiVersion} ${manifest.kind}`);
  }
  try {
    new Model(manifest).validate();
  } catch (error) {
    throw new Error(`${where}: ${manifest.kind} ${manifest.metadata?.name ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
