// The examples on today's distros (debian12, rhel9), with each director backend
// that applies: rhel9 ships no ldirectord, and ha-cidr has no director, so its
// bundles do not depend on the backend. Shared by the golden test and the
// consumer tests of test/distros/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, type Generated } from '../../src/cli/generate.js';
import { example } from '../helpers.js';

export interface TodayCase {
  example: 'lb-nat' | 'ha-cidr';
  distro: 'debian12' | 'rhel9';
  /** Set in the topology (director_backend); unset: the default, ldirectord. */
  backend?: 'keepalived';
  /** The golden tree: golden/<example>/<tree>. */
  tree: string;
}

export const TODAY_CASES: readonly TodayCase[] = [
  { example: 'lb-nat', distro: 'debian12', tree: 'debian12' },
  { example: 'lb-nat', distro: 'debian12', backend: 'keepalived', tree: 'debian12-keepalived' },
  { example: 'lb-nat', distro: 'rhel9', backend: 'keepalived', tree: 'rhel9-keepalived' },
  { example: 'ha-cidr', distro: 'debian12', tree: 'debian12' },
  { example: 'ha-cidr', distro: 'rhel9', tree: 'rhel9' },
];

export const caseName = (c: TodayCase) => `${c.example}/${c.tree}`;

/** Render a topology file's text (written to a fresh temp dir, removed again). */
export function generateText(text: string, distro?: string, env?: Record<string, string>): Generated {
  const dir = mkdtempSync(join(tmpdir(), 'lvsgen-distros-'));
  try {
    const file = join(dir, 'topology.yaml');
    writeFileSync(file, text);
    return generate(file, { ...(distro !== undefined ? { distro } : {}), ...(env !== undefined ? { env } : {}) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An example's text with director_backend set. */
export function exampleWith(name: string, backend?: string): string {
  const text = readFileSync(example(name), 'utf8');
  return backend === undefined ? text : `${text}\ndirector_backend: ${backend}\n`;
}

export function bundlesOfCase(c: TodayCase): Generated {
  return generateText(exampleWith(c.example, c.backend), c.distro);
}

/** Two directors under VRRP (keepalived), direct routing to two real servers. */
export const PAIR = `name: ha-lb
defaults: { distro: debian12 }
director_backend: keepalived
hosts:
  dir1: { roles: [director], interfaces: { eth0: 10.1.3.2/24 } }
  dir2: { roles: [director], interfaces: { eth0: 10.1.3.3/24 } }
  rs1: { roles: [real-server], interfaces: { eth0: 10.1.3.4/24 } }
  rs2: { roles: [real-server], interfaces: { eth0: 10.1.3.5/24 } }
virtual_services:
  - virtual: 10.1.3.61:80
    scheduler: wlc
    forward: gate
    check: { type: negotiate, request: alive.html, receive: I am alive }
    real_servers: [rs1, rs2]
heartbeat:
  nodes: [dir1, dir2]
  floating: [10.1.3.61/24]
  auth: { method: sha1, key: pair-secret-0123 }
`;
