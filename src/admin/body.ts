/** Request bodies of the admin API, parsed strictly (unknown keys and wrong types are 400s). */
import { z } from 'zod';
import type { Profile } from '../policy/profile.js';
import { parseStrictJson, StrictJsonError } from '../text/strict-json.js';
import { ApiError, type EntryError } from './api-error.js';

const profileBody = z.strictObject({
  authorizedIpRanges: z.array(z.string()),
  egressIpRanges: z.array(z.string()).default([]),
});

const patchBody = z.strictObject({
  add: z.array(z.string()).default([]),
  remove: z.array(z.string()).default([]),
  addEgress: z.array(z.string()).default([]),
  removeEgress: z.array(z.string()).default([]),
});

export type PatchBody = z.infer<typeof patchBody>;

function parseJson(text: string): unknown {
  try {
    return parseStrictJson(text);
  } catch (error) {
    if (error instanceof StrictJsonError && error.problem.kind === 'duplicate-key') {
      throw new ApiError('ERR_BODY_DUPLICATE_KEY', `The request body is refused: ${error.problem.message}`, [
        { entry: error.problem.key, code: 'ERR_BODY_DUPLICATE_KEY', message: error.problem.message, ...(error.problem.path === '' ? {} : { field: error.problem.path }) },
      ]);
    }
    throw new ApiError('ERR_BODY_JSON', `The request body is ${error instanceof Error ? error.message : String(error)}`);
  }
}

function schemaErrors(issues: readonly z.core.$ZodIssue[]): EntryError[] {
  return issues.map((issue) => ({
    entry: issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(body)'),
    code: issue.code === 'unrecognized_keys' ? 'ERR_BODY_UNKNOWN_KEY' : 'ERR_BODY_SHAPE',
    message: issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

export function parseProfileBody(text: string): Profile {
  const result = profileBody.safeParse(parseJson(text));
  if (!result.success) {
    throw new ApiError('ERR_BODY_SHAPE', 'Expected {"authorizedIpRanges":[...],"egressIpRanges":[...]}', schemaErrors(result.error.issues));
  }
  return result.data;
}

export function parsePatchBody(text: string): PatchBody {
  const result = patchBody.safeParse(parseJson(text));
  if (!result.success) {
    throw new ApiError('ERR_BODY_SHAPE', 'Expected {"add":[...],"remove":[...]} (also "addEgress", "removeEgress")', schemaErrors(result.error.issues));
  }
  const body = result.data;
  if (body.add.length + body.remove.length + body.addEgress.length + body.removeEgress.length === 0) {
    throw new ApiError('ERR_PATCH_EMPTY', 'The patch changes nothing: give "add" and/or "remove" entries');
  }
  return body;
}
