/**
 * The CLI's contexts file, in the manner of a kubeconfig: named contexts, each a gateway's admin API (server
 * URL, token file, CA, client certificate and key), and the current one, so nobody types `--server ...
 * --token-file ...` twice. It lives in `$IPGATE_CONFIG_HOME/config.yaml`, else
 * `$XDG_CONFIG_HOME/ipgate/config.yaml`, else `~/.config/ipgate/config.yaml`:
 *
 *   currentContext: prod
 *   contexts:
 *     - name: prod
 *       server: https://gw.example.com:9443
 *       tokenFile: prod.token          # relative paths: from this file's directory; ~/ is the home directory
 *       caFile: prod-ca.pem
 *
 * Written atomically, keeping the file's comments and the order of its contexts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { formatKeyPath } from '../text/key-path.js';
import { parseYaml } from '../text/yaml.js';

export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,62}$/;

const contextShape = {
  name: z.string().regex(CONTEXT_NAME, 'a context name is 1-63 letters, digits, "_", ".", "@", ":" or "-"'),
  server: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
};

/** The keys of a context that name files (resolved against the contexts file's directory). */
export const CONTEXT_FILE_KEYS = ['tokenFile', 'caFile', 'certFile', 'keyFile'] as const;

const contextSchema = z.strictObject(contextShape);

const fileSchema = z.strictObject({
  currentContext: z.string().optional(),
  contexts: z.array(contextSchema).default([]),
});

export type ContextEntry = z.infer<typeof contextSchema>;

export interface Contexts {
  /** The file read (absolute). */
  readonly file: string;
  readonly current: string | undefined;
  /** File paths as written in the file. */
  readonly contexts: readonly ContextEntry[];
}

/** Where the contexts file is, from the environment. */
export function contextsFile(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['IPGATE_CONFIG_HOME'];
  if (own !== undefined && own !== '') return resolve(own, 'config.yaml');
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'ipgate', 'config.yaml');
  return join(env['HOME'] ?? homedir(), '.config', 'ipgate', 'config.yaml');
}

/** A path as written in the contexts file, made absolute (`~/` is the home directory). */
export function contextPath(contexts: Contexts, path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path === '~' || path.startsWith('~/')) return join(env['HOME'] ?? homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(dirname(contexts.file), path);
}

function invalid(file: string, why: string): IpgateError {
  return new IpgateError('ERR_CONTEXT_FILE', `Contexts file ${file} is not valid: ${why}`, { input: file, suggestion: `ipgate context set NAME --server URL --token-file FILE (writes ${file})` });
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IpgateError('ERR_CONTEXT_FILE', `Cannot read contexts file ${file}: ${describeFileError(error)}`, { input: file });
  }
}

/** Parses a contexts file's text (pure); throws ERR_CONTEXT_FILE naming the file and the problems. */
export function parseContexts(text: string, file: string): Contexts {
  const parsed = parseYaml(text);
  if (!parsed.ok) throw invalid(file, parsed.problems.map((p) => `YAML${p.line === undefined ? '' : ` line ${p.line}`}: ${p.message}`).join('; '));
  const checked = fileSchema.safeParse(parsed.value ?? {});
  if (!checked.success) {
    throw invalid(file, checked.error.issues.map((i) => `${formatKeyPath(i.path) || '(document)'}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`).join('; '));
  }
  const names = new Set<string>();
  for (const c of checked.data.contexts) {
    if (names.has(c.name)) throw invalid(file, `the context "${c.name}" is listed twice`);
    names.add(c.name);
  }
  return { file, current: checked.data.currentContext, contexts: checked.data.contexts };
}

/** The contexts file, or undefined when there is none. */
export function readContexts(file: string): Contexts | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseContexts(text, file);
}

/** The context named `name`; throws ERR_CONTEXT naming the file and the contexts it has. */
export function findContext(contexts: Contexts, name: string, chosenBy: string): ContextEntry {
  const found = contexts.contexts.find((c) => c.name === name);
  if (found !== undefined) return found;
  const known = contexts.contexts.map((c) => c.name);
  throw new IpgateError('ERR_CONTEXT', `context "${name}" (${chosenBy}) is not in ${contexts.file}${known.length === 0 ? ', which has no contexts' : `; it has: ${known.join(', ')}`}`, {
    input: name,
    suggestion: known.length === 0 ? `ipgate context set ${name} --server URL --token-file FILE` : 'ipgate context list',
  });
}

async function save(file: string, doc: Document): Promise<void> {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, doc.toString(), 0o600);
  } catch (error) {
    throw new IpgateError('ERR_CONTEXT_FILE', `Cannot write contexts file ${file}: ${describeFileError(error)}`, { input: file });
  }
}

function documentOf(file: string): Document {
  const text = readText(file);
  if (text === undefined) return parseDocument('contexts: []\n');
  parseContexts(text, file);
  return parseDocument(text);
}

/** Adds or changes context `name` (the fields given replace its fields; the others are kept). */
export async function setContext(file: string, name: string, fields: Omit<ContextEntry, 'name'>, makeCurrent: boolean): Promise<{ created: boolean }> {
  const doc = documentOf(file);
  const contexts = parseContexts(doc.toString(), file);
  const index = contexts.contexts.findIndex((c) => c.name === name);
  if (!doc.has('contexts') || doc.get('contexts') === null) doc.set('contexts', doc.createNode([]));
  if (index < 0) {
    doc.addIn(['contexts'], doc.createNode({ name, ...fields }));
  } else {
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) doc.setIn(['contexts', index, key], value);
  }
  if (makeCurrent || contexts.current === undefined) doc.set('currentContext', name);
  await save(file, doc);
  return { created: index < 0 };
}

/** Makes `name` the current context; throws ERR_CONTEXT when the file has no such context. */
export async function useContext(file: string, name: string): Promise<void> {
  const contexts = readContexts(file);
  if (contexts === undefined) {
    throw new IpgateError('ERR_CONTEXT', `context "${name}" cannot be used: there is no contexts file ${file} yet`, {
      input: name,
      suggestion: `ipgate context set ${name} --server URL --token-file FILE`,
    });
  }
  findContext(contexts, name, 'ipgate context use');
  const doc = documentOf(file);
  doc.set('currentContext', name);
  await save(file, doc);
}
