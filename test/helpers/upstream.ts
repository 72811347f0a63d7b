/** The demo TLS upstream (stands in for the API server), started in the test process. */
import { startDemoUpstream, type DemoUpstream } from '../../src/demo/upstream.js';

export type { DemoUpstream };

export function startUpstream(certDir: string): Promise<DemoUpstream> {
  return startDemoUpstream({ certDir });
}
