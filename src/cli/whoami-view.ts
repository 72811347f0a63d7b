/**
 * The admin API's `/v1/whoami` answer as the CLI reads it, tolerant of a gateway that sends only the
 * verdict (an older version): how the address was seen, the actor and scope, and the warnings.
 */
import type { VerdictView } from './profile-view.js';

export interface Whoami extends VerdictView {
  readonly seenBy: { readonly listener: string; readonly peer: string; readonly proxyProtocol: boolean };
  readonly actor: string | null;
  readonly scope: string | null;
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function whoamiOf(body: VerdictView & Record<string, unknown>): Whoami {
  const seen = isRecord(body['seenBy']) ? body['seenBy'] : {};
  const warnings = Array.isArray(body['warnings'])
    ? (body['warnings'] as unknown[]).filter(isRecord).map((w) => ({ code: String(w['code'] ?? ''), message: String(w['message'] ?? '') }))
    : [];
  return {
    ...body,
    seenBy: {
      listener: typeof seen['listener'] === 'string' ? seen['listener'] : 'admin',
      peer: typeof seen['peer'] === 'string' ? seen['peer'] : body.address,
      proxyProtocol: seen['proxyProtocol'] === true,
    },
    actor: typeof body['actor'] === 'string' ? body['actor'] : null,
    scope: typeof body['scope'] === 'string' ? body['scope'] : null,
    warnings,
  };
}
