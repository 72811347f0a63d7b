/**
 * deploy/kubernetes/ is checked offline: every manifest parses and is valid against the Kubernetes API
 * schema (kubernetes-models validators), the static pod has what a kubeadm node needs (hostNetwork,
 * system-node-critical, host paths, probes on the health endpoints), the plain manifests hold a Deployment,
 * Services, a ConfigMap whose ipgate.yaml is a valid ipgate config, a Secret for the token and a
 * PodDisruptionBudget.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/validate.js';
import { ROOT } from './helpers/ipgate.js';
import { parseManifests, validateManifest, type Manifest } from './helpers/kubernetes.js';

const DIR = join(ROOT, 'deploy/kubernetes');

function load(file: string): Manifest[] {
  return parseManifests(readFileSync(join(DIR, file), 'utf8'), `deploy/kubernetes/${file}`);
}

/** Reads a nested field by path (`spec.containers.0.image`). */
function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

test('every manifest in deploy/kubernetes is valid against the Kubernetes API schema', async () => {
  let checked = 0;
  for (const file of ['static-pod.yaml', 'ipgate.yaml']) {
    for (const m of load(file)) {
      await validateManifest(m, `deploy/kubernetes/${file}`);
      checked++;
    }
  }
  assert.equal(checked, 8);
});

test('the schema check is not blind: a wrong type, a bad enum value and a missing required field are refused', async () => {
  const [pod] = load('static-pod.yaml');
  assert.ok(pod !== undefined);
  const broken = (edit: (p: Record<string, unknown>) => void): Manifest => {
    const copy = structuredClone(pod) as Record<string, unknown>;
    edit(copy);
    return copy as Manifest;
  };
  await assert.rejects(validateManifest(broken((p) => ((p['spec'] as Record<string, unknown>)['hostNetwork'] = 'yes')), 'test'), /hostNetwork must be boolean/);
  await assert.rejects(
    validateManifest(broken((p) => (((p['spec'] as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>)['imagePullPolicy'] = 'Sometimes')), 'test'),
    /imagePullPolicy/,
  );
  await assert.rejects(validateManifest(broken((p) => delete ((p['spec'] as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>)['name']), 'test'), /name/);
  await assert.rejects(validateManifest({ apiVersion: 'v1', kind: 'NoSuchKind' }, 'test'), /no Kubernetes schema/);
});

test('the static pod runs on the host network as system-node-critical, with config and token from host paths and probes on the health endpoints', () => {
  const [pod, ...rest] = load('static-pod.yaml');
  assert.equal(rest.length, 0);
  assert.equal(pod?.kind, 'Pod');
  assert.equal(at(pod, 'metadata.namespace'), 'kube-system');
  assert.equal(at(pod, 'spec.hostNetwork'), true);
  assert.equal(at(pod, 'spec.priorityClassName'), 'system-node-critical');
  const volumes = at(pod, 'spec.volumes') as { name: string; hostPath?: { path: string } }[];
  assert.deepEqual(volumes.map((v) => v.hostPath?.path), ['/etc/ipgate', '/var/lib/ipgate']);
  assert.deepEqual(at(pod, 'spec.containers.0.args'), ['serve', '--config', '/etc/ipgate/ipgate.yaml']);
  assert.equal(at(pod, 'spec.containers.0.livenessProbe.httpGet.path'), '/healthz');
  assert.equal(at(pod, 'spec.containers.0.readinessProbe.httpGet.path'), '/readyz');
  assert.equal(at(pod, 'spec.containers.0.securityContext.readOnlyRootFilesystem'), true);
  assert.equal(at(pod, 'spec.securityContext.runAsNonRoot'), true);
});

test('the plain manifests: Deployment, Services, ConfigMap with a valid ipgate config, Secret for the token, PodDisruptionBudget', () => {
  const all = load('ipgate.yaml');
  const kinds = all.map((m) => m.kind).sort();
  assert.deepEqual(kinds, ['ConfigMap', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Secret', 'Service', 'Service']);
  const config = all.find((m) => m.kind === 'ConfigMap');
  // The ConfigMap's key holds a dot: read it directly.
  const text = (config?.['data'] as Record<string, string | undefined>)['ipgate.yaml'];
  assert.equal(typeof text, 'string');
  assert.doesNotThrow(() => validateConfig(parse(text ?? ''), 'ConfigMap ipgate-config', '/etc/ipgate'));
  const secret = all.find((m) => m.kind === 'Secret');
  const token = (secret?.['stringData'] as Record<string, string>)['admin.token'] ?? '';
  assert.ok(token.length < 16, 'the Secret ships a placeholder ipgate refuses, never a usable token');
  const service = all.find((m) => m.kind === 'Service' && m.metadata?.name === 'ipgate');
  assert.equal(at(service, 'spec.externalTrafficPolicy'), 'Local', 'client addresses are kept');
  const deployment = all.find((m) => m.kind === 'Deployment');
  assert.equal(at(deployment, 'spec.template.spec.containers.0.readinessProbe.httpGet.path'), '/readyz');
  const labels = at(deployment, 'spec.template.metadata.labels');
  assert.deepEqual(at(all.find((m) => m.kind === 'PodDisruptionBudget'), 'spec.selector.matchLabels'), labels);
});
