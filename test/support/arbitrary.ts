// fast-check generators of valid topologies of varying size and shape:
// NAT / direct routing / tunnelling directors with services and checks, or a
// heartbeat pair behind a router, on either distro.
import fc from 'fast-check';
import { isLdirectordText, SCHEDULERS } from '../../src/model/schema.js';

const hostName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const uniqueNames = (n: number) => fc.uniqueArray(hostName, { minLength: n, maxLength: n });
export const receiveText = fc.string({ minLength: 1, maxLength: 30, unit: fc.constantFrom(...' abcXYZ019$(){}`;|&<>!?*.,:=+-_/@%^~\''.split('')) }).filter(isLdirectordText);
const requestPath = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}(\/[a-z0-9][a-z0-9._-]{0,10}){0,2}$/).filter((s) => !s.split('/').some((p) => p === '.' || p === '..'));

export interface Generated {
  topology: Record<string, unknown>;
  hostNames: string[];
}

const lb = fc
  .record({
    distro: fc.constantFrom('redhat', 'debian'),
    forward: fc.constantFrom('masq', 'gate', 'ipip'),
    realServers: fc.integer({ min: 1, max: 6 }),
    ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 4 }),
    schedulers: fc.array(fc.constantFrom(...SCHEDULERS), { minLength: 4, maxLength: 4 }),
    persistent: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }),
    negotiate: fc.boolean(),
    request: requestPath,
    receive: receiveText,
    weights: fc.array(fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }), { minLength: 6, maxLength: 6 }),
    names: uniqueNames(7),
    ldirectord: fc.record({ checktimeout: fc.integer({ min: 1, max: 60 }), checkinterval: fc.integer({ min: 1, max: 60 }), quiescent: fc.boolean(), autoreload: fc.boolean() }),
  })
  .map((g): Generated => {
    const [director, ...rest] = g.names as [string, ...string[]];
    const reals = rest.slice(0, g.realServers);
    const hosts: Record<string, unknown> = {
      [director]: { roles: ['director'], interfaces: { eth0: '10.1.3.1/24', eth1: '192.168.6.1/24' } },
    };
    reals.forEach((r, i) => {
      hosts[r] = { roles: ['real-server'], interfaces: { eth0: `192.168.6.${i + 10}/24` } };
    });
    const virtual_services = g.ports.map((port, i) => ({
      virtual: `10.1.3.${61 + (i % 2)}:${port}`,
      protocol: 'tcp',
      scheduler: g.schedulers[i]!,
      ...(g.persistent !== undefined && i === 0 ? { persistent: g.persistent } : {}),
      forward: g.forward,
      check: g.negotiate ? { type: 'negotiate', service: 'http', request: g.request, receive: g.receive } : { type: 'connect' },
      real_servers: reals.map((host, j) => (g.weights[j] !== undefined ? { host, weight: g.weights[j] } : host)),
    }));
    return { topology: { name: 'prop-lb', defaults: { distro: g.distro }, hosts, ldirectord: g.ldirectord, virtual_services }, hostNames: [director, ...reals] };
  });

const ha = fc
  .record({
    distro: fc.constantFrom('redhat', 'debian'),
    names: uniqueNames(3),
    net: fc.integer({ min: 0, max: 255 }),
    floating: fc.integer({ min: 100, max: 250 }),
    vnet: fc.integer({ min: 0, max: 255 }),
    vprefix: fc.integer({ min: 24, max: 30 }),
    key: fc.string({ minLength: 8, maxLength: 40, unit: fc.constantFrom(...'abcdefXYZ0123456789!$%&()*+,-./:;<=>?@[]^_`{|}~'.split('')) }),
    method: fc.constantFrom('sha1', 'md5'),
  })
  .map((g): Generated => {
    const [router, n1, n2] = g.names as [string, string, string];
    const hosts = {
      [router]: { roles: ['router'], interfaces: { eth0: `172.20.${g.net}.1/24`, eth1: '10.1.3.1/24' } },
      [n1]: { roles: ['real-server'], interfaces: { eth0: `172.20.${g.net}.2/24` } },
      [n2]: { roles: ['real-server'], interfaces: { eth0: `172.20.${g.net}.3/24` } },
    };
    const vbase = 256 / 2 ** (g.vprefix - 24);
    return {
      topology: {
        name: 'prop-ha',
        defaults: { distro: g.distro },
        hosts,
        heartbeat: {
          nodes: [n1, n2],
          floating: [`172.20.${g.net}.${g.floating}/24`],
          virtual_network: `192.168.${g.vnet}.${Math.floor(0 / vbase)}/${g.vprefix}`,
          auth: { method: g.method, key: g.key },
        },
      },
      hostNames: [router, n1, n2],
    };
  });

export const topologyArb = fc.oneof(lb, ha);
