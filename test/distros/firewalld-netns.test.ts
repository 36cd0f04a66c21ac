// rhel9 real servers behind firewalld (RHEL 9's default firewall): the
// administrator's zone opens SSH only, as RHEL's installer leaves it, so the
// directors' packets to a real server's service ports are rejected until
// lvsgen's policy (/etc/firewalld/policies/lvsgen-host.xml, ingress ANY,
// egress HOST) lets them in. Proven with the real firewalld, run in the real
// server's network namespace (a private mount namespace puts a scratch
// /etc/firewalld in place, with a system bus of its own), and a director's
// namespace beside it that connects to every port of the policy (a range:
// both ends), at every address its packets go to:
// - NAT (lb-nat real1): the real server's own address;
// - direct routing (fwmark real1): each virtual address on lo and a host of
//   the network of virtual addresses on lo, routed to the real server as IPVS
//   direct routing sends them (to its link-layer address);
// - a sorry server (lb-nat with a host of its own as the web service's
//   fallback, 192.168.6.9:8080 under NAT): its own address, the fallback's port;
// - tunnelling (lb-tun real1): the IP-in-IP packet (IP protocol 4) to the
//   real server's own address, sent from a raw socket: the kernel behind
//   firewalld answers it (protocol or port unreachable where no tunnel takes
//   it) once it passes firewalld, which drops it without the policy. This
//   machine's kernel has no ipip, so the decapsulated packet on tunl0 is shown
//   by firewalld's own ruleset instead: the policy's chain is entered from
//   INPUT with no interface match, so whatever device a packet comes in on.
// Each connection is refused under the zone alone, answered once the policy
// is in place and a reload (the plan's firewalld action: SIGHUP, then `firewall-cmd --state`) has
// run, refused again once it is removed and firewalld reloaded (uninstall);
// a port the policy does not name stays refused throughout.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DerivedHost, Device } from '../../src/derive/model.js';
import { ADMIN_FIREWALLD_CONF, ADMIN_FIREWALLD_ZONE, bundlesOf, exampleWith, generateText, link, netns, type Netns, ok, requireRoot, requireTools, sh, spawnIn, tempDir, until } from '../support/index.js';

// Runs in the real server's network namespace, in a mount namespace of its own:
// $1 the scratch /etc/firewalld, $2 a folder for the director's namespace path, $3 the script.
const RUN = `set -u
mkdir -p "$2"
mount --rbind /run/netns "$2"
mount -t tmpfs lvsgen-fw-run /run
mkdir -p /run/dbus
mount --bind "$1" /etc/firewalld
dbus=$(dbus-daemon --system --fork --print-pid) || exit 91
firewalld --nofork --nopid >/run/firewalld.log 2>&1 &
fw=$!
trap 'kill $fw; wait $fw; kill $dbus' EXIT
# the plan's reload of a running firewalld: SIGHUP (what systemctl reload
# firewalld sends, the unit's ExecReload), then firewall-cmd --state, which
# firewalld answers once the reload is done ("failed" when it failed)
reload_fw() { kill -HUP $fw; firewall-cmd --state >/dev/null || firewall-cmd --state >/dev/null || echo 'reload failed'; }
i=0
until firewall-cmd --state >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 120 ] && { cat /run/firewalld.log; exit 92; }
	sleep 0.25
done
. "$3"
`;

/** A test's scratch firewalld: its temp dir, the stand-in for /etc/firewalld in it, and a folder for namespace paths. */
interface Scratch {
  dir: string;
  etc: string;
  nsDir: string;
}

/** A fresh temp dir holding a scratch /etc/firewalld: this machine's, with the administrator's zone (SSH only) as the default. */
function scratchFirewalld(t: TestContext): Scratch {
  const dir = tempDir(t, 'lvsgen-fw-');
  const etc = join(dir, 'etc-firewalld');
  ok(sh('cp', ['-a', '/etc/firewalld/.', `${etc}/`]), "a copy of this machine's /etc/firewalld");
  mkdirSync(join(etc, 'zones'), { recursive: true });
  mkdirSync(join(etc, 'policies'), { recursive: true });
  writeFileSync(join(etc, 'zones/public.xml'), ADMIN_FIREWALLD_ZONE);
  writeFileSync(join(etc, 'firewalld.conf'), ADMIN_FIREWALLD_CONF);
  return { dir, etc, nsDir: join(dir, 'netns') };
}

/** Runs `script` under firewalld (RUN) in `ns`; the test fails unless it exits 0 and every reload succeeded. Returns its stdout, and stdout and stderr together for messages. */
function underFirewalld(s: Scratch, ns: Netns, script: string): { stdout: string; out: string } {
  writeFileSync(join(s.dir, 'run.sh'), RUN);
  writeFileSync(join(s.dir, 'script.sh'), script);
  const r = sh('ip', ['netns', 'exec', ns.name, 'unshare', '--mount', '--propagation', 'private', 'sh', join(s.dir, 'run.sh'), s.etc, s.nsDir, join(s.dir, 'script.sh')], { timeout: 120_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out);
  assert.doesNotMatch(out, /reload failed/, out);
  return { stdout: r.stdout, out };
}

// One IP-in-IP packet (protocol 4) to argv[1], carrying a TCP SYN from argv[2] to argv[3]:80;
// prints the ICMP destination-unreachable answer (type/code) or "none".
const PROBE = `import socket, struct, sys
dst, src, vip = sys.argv[1:4]
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
tcp = struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, 5 << 4, 0x02, 1024, 0, 0)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 1, 0, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(vip))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
out = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.settimeout(2)
out.sendto(ip + tcp, (dst, 0))
try:
    while True:
        data, addr = icmp.recvfrom(2048)
        h = (data[0] & 15) * 4
        if data[h] == 3 and addr[0] == dst:
            print('icmp %d/%d' % (data[h], data[h + 1])); break
except socket.timeout:
    print('none')
`;

interface Case {
  /** An example's name, or a topology held here (`name` then names it in the test's title). */
  example: string;
  topology?: string;
  host: string;
  /** What the policy must hold beyond ports: IP protocol 4 for a tunnelling real server. */
  ipip: boolean;
  /** Ports the policy must name (TCP), where the case is about one. */
  names?: number[];
}

// lb-nat's web service with a sorry server of its own on the server network:
// a host that is a real server of no service, reached only as the fallback.
const SORRY = exampleWith('lb-nat')
  .replace('name: lb-nat', 'name: lb-nat-sorry')
  .replace('  real2:\n', '  sorry:\n    roles: [real-server]\n    interfaces:\n      eth0: 192.168.6.9/24\n  real2:\n')
  .replace('    check: { type: negotiate, service: http,', '    fallback: 192.168.6.9:8080\n    check: { type: negotiate, service: http,');

const CASES: Case[] = [
  { example: 'lb-nat', host: 'real1', ipip: false },
  { example: 'lb-nat-sorry', topology: SORRY, host: 'sorry', ipip: false, names: [8080] },
  { example: 'fwmark', host: 'real1', ipip: false },
  { example: 'lb-tun', host: 'real1', ipip: true },
];

/** The policy's ports, each range by its ends: `80`, `10000`, `10100`. */
function policyPorts(policy: string): Array<{ port: number; protocol: string }> {
  const out: Array<{ port: number; protocol: string }> = [];
  for (const m of policy.matchAll(/<port port="(\d+)(?:-(\d+))?" protocol="(tcp|udp)"\/>/g)) {
    out.push({ port: Number(m[1]), protocol: m[3]! });
    if (m[2] !== undefined) out.push({ port: Number(m[2]), protocol: m[3]! });
  }
  return out;
}

/** Where a director's packets for the host's services go: its own address, and each virtual address (a network: one host in it) it holds on lo. */
function destinations(h: DerivedHost): string[] {
  const own = h.devices[0]!.address;
  const vips = h.loopbackAliases.map((a) => (a.prefix === 32 ? a.address : a.network.replace(/\.0$/, '.77')));
  return [own, ...vips];
}

/**
 * A NAT director's namespace between a client's (on its first device, the
 * front) and a real server's (on its second, the back), the director holding
 * the derived addresses of both devices, IPv4 and its own IPv6 ones (no
 * virtual address); the client and the real server get no address here.
 */
function natDirector(t: TestContext, d: DerivedHost): { dr: Netns; rs: Netns; cl: Netns; front: Device; back: Device } {
  const dr = netns(t, 'lvfd');
  const rs = netns(t, 'lvfr');
  const cl = netns(t, 'lvfc');
  const [front, back] = [d.devices[0]!, d.devices[1]!];
  link(dr, front.device, cl, 'eth0');
  link(dr, back.device, rs, 'eth0');
  for (const dev of [front, back]) {
    ok(dr.ip('addr', 'add', `${dev.address}/${dev.prefix}`, 'dev', dev.device), `director ${dev.address}`);
    for (const a of dev.ipv6.filter((x) => x.purpose === null)) ok(dr.ip('-6', 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', dev.device, 'nodad'), `director ${a.address}`);
  }
  return { dr, rs, cl, front, back };
}

for (const c of CASES) {
  test(`${c.example}/rhel9/${c.host}: the real firewalld with the administrator's zone (SSH only) rejects the directors' packets to the real server's ports; lvsgen's policy lets them in after a reload (SIGHUP, then firewall-cmd --state), and removed, no longer`, (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ip', 'unshare', 'mount', 'busybox', 'firewalld', 'firewall-cmd', 'dbus-daemon', 'nft', 'python3')) return;
    const g = c.topology !== undefined ? generateText(c.topology, 'rhel9') : bundlesOf(c.example, 'rhel9');
    const h = g.model.hosts.find((x) => x.name === c.host)!;
    const bundle = g.bundles.find((b) => b.host === c.host)!;
    const policy = bundle.files.find((f) => f.path === 'etc/firewalld/policies/lvsgen-host.xml')?.content.toString();
    assert.ok(policy !== undefined, `${c.host} has no firewalld policy`);
    const plan = bundle.files.find((f) => f.path === '.lvsgen/plan')!.content.toString();
    assert.match(plan, /^when firewalld \/etc\/firewalld\/policies\/lvsgen-host\.xml$/m, 'the policy triggers the firewalld action');
    assert.match(plan, /^running firewalld \/usr\/bin\/systemctl is-active --quiet firewalld\nreload firewalld must \/usr\/bin\/systemctl reload firewalld\nreload firewalld may \/usr\/bin\/firewall-cmd --state\nreload firewalld must \/usr\/bin\/firewall-cmd --state$/m, 'the firewalld action reloads a running firewalld by SIGHUP and waits for it');
    assert.equal(policy.includes('<protocol value="4"/>'), c.ipip, policy);
    const ports = policyPorts(policy);
    assert.ok(ports.length > 0, policy);
    for (const n of c.names ?? []) assert.ok(ports.some((p) => p.port === n && p.protocol === 'tcp'), `${n}/tcp in ${policy}`);
    // A port no service of the host has: refused throughout (the zone's reject, not a missing listener).
    const closed = 8081;
    assert.ok(!ports.some((p) => p.port === closed));

    const s = scratchFirewalld(t);
    const { dir, nsDir } = s;
    writeFileSync(join(dir, 'policy.xml'), policy);
    writeFileSync(join(dir, 'probe.py'), PROBE);

    // The real server's addresses as its profiles give them; the director on its network.
    const rs = netns(t, 'lvfr');
    const dr = netns(t, 'lvfd');
    link(rs, 'eth0', dr, 'eth0');
    const dev = h.devices[0]!;
    ok(rs.ip('addr', 'add', `${dev.address}/${dev.prefix}`, 'dev', 'eth0'), 'real server address');
    for (const a of h.loopbackAliases) ok(rs.ip('addr', 'add', `${a.address}/${a.prefix}`, 'dev', 'lo'), `lo ${a.address}/${a.prefix}`);
    const director = dev.network.replace(/\d+$/, (x) => String(Number(x) + 200));
    ok(dr.ip('addr', 'add', `${director}/${dev.prefix}`, 'dev', 'eth0'), 'director address');
    const dests = destinations(h);
    // Direct routing: the virtual addresses go to the real server's link-layer address.
    for (const a of h.loopbackAliases) ok(dr.ip('route', 'add', `${a.networkCidr}`, 'via', dev.address), `route ${a.networkCidr}`);

    const tries = [...ports, { port: closed, protocol: 'tcp' }].filter((p) => p.protocol === 'tcp');
    const listeners = [...new Set(tries.map((p) => p.port))].map((p) => `busybox nc -ll -p ${p} -e /bin/echo lvsgen-${p} & pids="$pids $!"`).join('\n');
    const connect = (tag: string) =>
      dests.flatMap((d) => tries.map((p) => `printf '${tag} ${d}:${p.port} %s\\n' "$(nsenter --net=${nsDir}/${dr.name} busybox timeout 5 busybox nc -w 2 ${d} ${p.port} </dev/null 2>&1 | head -1)"`)).join('\n') +
      (c.ipip ? `\nprintf '${tag} ipip %s\\n' "$(nsenter --net=${nsDir}/${dr.name} python3 ${dir}/probe.py ${dev.address} ${director} ${dests[1]})"` : '');
    const script = `pids=
${listeners}
trap 'kill $pids; kill $fw; wait $fw; kill $dbus' EXIT
sleep 0.5
${connect('zone')}
cp ${dir}/policy.xml /etc/firewalld/policies/lvsgen-host.xml
echo "info-before $(firewall-cmd --info-policy=lvsgen-host 2>&1 | tr -s ' \\n' '  ')"
reload_fw
echo "info-after $(firewall-cmd --info-policy=lvsgen-host 2>&1 | tr -s ' \\n' '  ')"
${connect('policy')}
echo "ruleset $(nft list chain inet firewalld filter_INPUT_POLICIES_pre 2>&1 | grep -c 'jump filter_IN_policy_lvsgen-host$') $(nft list ruleset | grep -c 'iifname.*jump filter_IN_policy_lvsgen-host')"
rm /etc/firewalld/policies/lvsgen-host.xml
reload_fw
${connect('removed')}
`;
    const r = underFirewalld(s, rs, script);
    const { out } = r;
    // install.sh --verify's look at the running firewalld (the plan's verify
    // record): its lines only once the reload has read the policy
    const n = /^verify (\d+) firewall-cmd --info-policy=lvsgen-host$/m.exec(plan)?.[1];
    assert.ok(n !== undefined, `the plan verifies the running firewalld's policy:\n${plan}`);
    const expects = [...plan.matchAll(new RegExp(`^expect ${n} (.*)$`, 'gm'))].map((m) => m[1]!);
    assert.ok(expects.includes('egress-zones: HOST') && expects.some((e) => e.startsWith('ports: ')), expects.join('\n'));
    const info = (tag: string) => new RegExp(`^info-${tag} (.*)$`, 'm').exec(r.stdout)?.[1] ?? '';
    for (const e of expects) assert.ok(info('after').includes(e), `after the reload, firewall-cmd --info-policy=lvsgen-host has "${e}": ${info('after')}`);
    assert.ok(!expects.some((e) => info('before').includes(e)), `before the reload it has none of them: ${info('before')}`);
    const seen = (tag: string, d: string, port: number) => new RegExp(`^${tag} ${d.replace(/\./g, '\\.')}:${port} (.*)$`, 'm').exec(r.stdout)?.[1] ?? '(not tried)';
    for (const d of dests) {
      for (const p of tries) {
        const open = p.port !== closed;
        assert.match(seen('zone', d, p.port), /No route to host/, `zone only: ${d}:${p.port}\n${out}`);
        if (open) assert.equal(seen('policy', d, p.port), `lvsgen-${p.port}`, `with lvsgen's policy: ${d}:${p.port}\n${out}`);
        else assert.match(seen('policy', d, p.port), /No route to host/, `with lvsgen's policy, a port it does not name: ${d}:${p.port}\n${out}`);
        assert.match(seen('removed', d, p.port), /No route to host/, `policy removed: ${d}:${p.port}\n${out}`);
      }
    }
    if (c.ipip) {
      const probe = (tag: string) => new RegExp(`^${tag} ipip (.*)$`, 'm').exec(r.stdout)?.[1];
      // Past firewalld the stack answers (no tunnel here: protocol 2 or port 3 unreachable); firewalld drops it, or rejects it as admin-prohibited (13).
      assert.match(probe('zone') ?? '', /^(none|icmp 3\/13)$/, out);
      assert.match(probe('policy') ?? '', /^icmp 3\/[23]$/, out);
      assert.match(probe('removed') ?? '', /^(none|icmp 3\/13)$/, out);
    }
    // The policy's chain is entered once from INPUT, with no interface match: packets from tunl0 (or any device) reach it.
    assert.match(r.stdout, /^ruleset 1 0$/m, out);
  });
}


// One TCP segment from argv[2]:80 to argv[3]:argv[4] (flags S or SA), sent three times
// from a raw socket: a real server's connection out (SYN), or a reply the director's
// conntrack has no entry for (SYN-ACK), as IPVS NAT leaves its replies by default.
const SEGMENT = `import socket, struct, sys
fam, src, dst, port, flags = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
tcp = struct.pack('!HHIIBBHHH', 80, port, 1, 1 if flags == 'SA' else 0, 5 << 4, {'S': 0x02, 'SA': 0x12}[flags], 1024, 0, 0)
af = socket.AF_INET if fam == '4' else socket.AF_INET6
raw = lambda a: socket.inet_pton(af, a)
pseudo = raw(src) + raw(dst) + (struct.pack('!BBH', 0, 6, len(tcp)) if fam == '4' else struct.pack('!I3xB', len(tcp), 6))
b = pseudo + tcp
s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
tcp = tcp[:16] + struct.pack('!H', ~s & 0xffff) + tcp[18:]
out = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_TCP)
out.bind((src, 0))
for _ in range(3): out.sendto(tcp, (dst, 0))
`;

// A NAT director's forward filter (lb-ipv6's director: IPv4 and IPv6 NAT services on
// one server network). firewalld runs in the director's namespace with the
// administrator's zone; a real server's namespace behind it and a client's in front.
// Each probe is a TCP segment from the real server to the client on a port of its
// own, counted as the client receives it:
// - its connections out (SYN), IPv4 and IPv6: rejected under the zone alone; with
//   lvsgen's policies, IPv4 arrives masqueraded (from the director's address) and
//   IPv6 from the real server's own address (the family="ipv6" rule; not
//   masqueraded); policies removed, rejected again;
// - a SYN-ACK the director's conntrack has no entry for, as an IPVS NAT reply is
//   when IPVS does not keep conntrack entries (net.ipv4.vs.conntrack=0, the
//   default: ip_vs_nat_send_or_cont untracks the forwarded packet): dropped as
//   invalid by firewalld's forward filter, before any zone or policy, even with
//   lvsgen's policies (docs/distros.md, firewalld on rhel9).
// And firewalld's ruleset as the docs read it: INPUT accepts established and
// related packets first (FTP's passive data connections, related through
// ip_vs_ftp's expectation), FORWARD drops invalid ones before the zones.
test('lb-ipv6/rhel9/director: the real firewalld forwards the server network\'s new connections, IPv4 masqueraded and IPv6 by its family="ipv6" rule, only with lvsgen\'s policies; replies without a conntrack entry are dropped as invalid before any policy', (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'unshare', 'mount', 'nsenter', 'firewalld', 'firewall-cmd', 'dbus-daemon', 'nft', 'python3')) return;
  const g = bundlesOf('lb-ipv6', 'rhel9');
  const d = g.model.hosts.find((x) => x.name === 'director')!;
  const real = g.model.hosts.find((x) => x.name === 'real1')!;
  const files = g.bundles.find((b) => b.host === 'director')!.files;
  const policy = (name: string) => files.find((f) => f.path === `etc/firewalld/policies/${name}`)!.content.toString();
  const nat = policy('lvsgen-nat.xml');
  assert.match(nat, /<rule family="ipv6">\n {4}<source address="2001:db8:6::\/64"\/>\n {4}<accept\/>\n {2}<\/rule>/, nat);
  assert.doesNotMatch(nat, /family="ipv6">\n[^\n]*\n {4}<masquerade\/>/, 'IPv6 is never masqueraded');

  const s = scratchFirewalld(t);
  const { dir, nsDir } = s;
  writeFileSync(join(dir, 'lvsgen-host.xml'), policy('lvsgen-host.xml'));
  writeFileSync(join(dir, 'lvsgen-nat.xml'), nat);
  writeFileSync(join(dir, 'segment.py'), SEGMENT);

  const { dr, rs, cl, front, back } = natDirector(t, d);
  const rdev = real.devices[0]!;
  const rs4 = rdev.address;
  const rs6 = rdev.ipv6[0]!.address;
  ok(rs.ip('addr', 'add', `${rs4}/${rdev.prefix}`, 'dev', 'eth0'), 'real server address');
  ok(rs.ip('-6', 'addr', 'add', `${rs6}/${rdev.ipv6[0]!.prefix}`, 'dev', 'eth0', 'nodad'), 'real server IPv6 address');
  ok(rs.ip('route', 'add', 'default', 'via', back.address), 'real server gateway');
  ok(rs.ip('-6', 'route', 'add', 'default', 'via', back.ipv6[0]!.address), 'real server IPv6 gateway');
  const cl4 = front.network.replace(/\d+$/, '100');
  const cl6 = front.ipv6[0]!.address.replace(/::1$/, '::100');
  ok(cl.ip('addr', 'add', `${cl4}/${front.prefix}`, 'dev', 'eth0'), 'client address');
  ok(cl.ip('-6', 'addr', 'add', `${cl6}/${front.ipv6[0]!.prefix}`, 'dev', 'eth0', 'nodad'), 'client IPv6 address');
  ok(dr.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']), 'director forwards');

  // Probes: [tag, family, flags, port]; the client counts each port, and from which source.
  const probes = [
    ['zone', '4', 'S', 40001], ['zone', '6', 'S', 40002],
    ['policy', '4', 'S', 40003], ['policy', '6', 'S', 40004],
    ['policy', '4', 'SA', 40005], ['policy', '6', 'SA', 40006],
    ['removed', '4', 'S', 40007], ['removed', '6', 'S', 40008],
  ] as const;
  // Each port counted twice: from the director's front address (masqueraded), and from it or the real server itself.
  const rule = (fam: string, from: string, port: number, comment: string) => `    ${fam === '4' ? 'ip' : 'ip6'} saddr ${from} tcp dport ${port} counter${comment}`;
  const table = `table inet lvsgen_count {
  chain in {
    type filter hook input priority -300; policy accept;
${probes.map(([, fam, , port]) => rule(fam, fam === '4' ? front.address : front.ipv6[0]!.address, port, ` comment "masqueraded"`)).join('\n')}
${probes.map(([, fam, , port]) => rule(fam, fam === '4' ? `{ ${rs4}, ${front.address} }` : `{ ${rs6}, ${front.ipv6[0]!.address} }`, port, '')).join('\n')}
  }
}
`;
  ok(cl.exec('nft', ['-f', '-'], table), 'the client counts what it receives');
  const send = (tag: string) =>
    probes
      .filter((p) => p[0] === tag)
      .map(([, fam, flags, port]) => `nsenter --net=${nsDir}/${rs.name} python3 ${dir}/segment.py ${fam} ${fam === '4' ? rs4 : rs6} ${fam === '4' ? cl4 : cl6} ${port} ${flags}`)
      .join('\n');
  const script = `${send('zone')}
cp ${dir}/lvsgen-host.xml ${dir}/lvsgen-nat.xml /etc/firewalld/policies/
echo "nat-before $(firewall-cmd --info-policy=lvsgen-nat 2>&1 | tr -s ' \\n\\t' '   ')"
reload_fw
echo "nat-after $(firewall-cmd --info-policy=lvsgen-nat 2>&1 | tr -s ' \\n\\t' '   ')"
${send('policy')}
nft list chain inet firewalld filter_INPUT | sed -n 's/^\\t\\t/INPUT /p'
nft list chain inet firewalld filter_FORWARD | sed -n 's/^\\t\\t/FORWARD /p'
nft list chain inet firewalld filter_FWD_policy_lvsgen-nat_allow | sed -n 's/^\\t\\t/NAT /p'
rm /etc/firewalld/policies/lvsgen-host.xml /etc/firewalld/policies/lvsgen-nat.xml
reload_fw
${send('removed')}
sleep 0.5
`;
  const r = underFirewalld(s, dr, script);
  const { out } = r;
  // install.sh --verify's look at the running firewalld's NAT policy (the
  // plan's verify record): its rich rules as firewall-cmd prints them, only
  // once the reload has read the policy
  const plan = files.find((f) => f.path === '.lvsgen/plan')!.content.toString();
  const n = /^verify (\d+) firewall-cmd --info-policy=lvsgen-nat$/m.exec(plan)?.[1];
  assert.ok(n !== undefined, `the plan verifies the running firewalld's NAT policy:\n${plan}`);
  const expects = [...plan.matchAll(new RegExp(`^expect ${n} (.*)$`, 'gm'))].map((m) => m[1]!);
  assert.deepEqual(expects, [
    'rule family="ipv4" source address="192.168.6.0/24" masquerade',
    'rule family="ipv4" source address="192.168.6.0/24" accept',
    'rule family="ipv6" source address="2001:db8:6::/64" accept',
  ]);
  const info = (tag: string) => new RegExp(`^nat-${tag} (.*)$`, 'm').exec(r.stdout)?.[1] ?? '';
  for (const e of expects) assert.ok(info('after').includes(e), `after the reload, firewall-cmd --info-policy=lvsgen-nat has "${e}": ${info('after')}`);
  assert.ok(!expects.some((e) => info('before').includes(e)), `before the reload it has none of them: ${info('before')}`);
  const listed = ok(cl.exec('nft', ['list', 'table', 'inet', 'lvsgen_count']), 'counters').stdout;
  const count = (port: number, masqueraded: boolean) => {
    const line = listed.split('\n').find((l) => l.includes(`dport ${port} counter`) && l.includes('comment') === masqueraded);
    return Number(/packets (\d+)/.exec(line ?? '')?.[1] ?? NaN);
  };
  const got = Object.fromEntries(probes.map(([tag, fam, flags, port]) => [`${tag} ${fam} ${flags}`, `${count(port, true)} masqueraded, ${count(port, false)} in all`]));
  assert.deepEqual(got, {
    'zone 4 S': '0 masqueraded, 0 in all',
    'zone 6 S': '0 masqueraded, 0 in all',
    'policy 4 S': '3 masqueraded, 3 in all',
    'policy 6 S': '0 masqueraded, 3 in all',
    'policy 4 SA': '0 masqueraded, 0 in all',
    'policy 6 SA': '0 masqueraded, 0 in all',
    'removed 4 S': '0 masqueraded, 0 in all',
    'removed 6 S': '0 masqueraded, 0 in all',
  }, `${listed}\n${out}`);
  const rules = (chain: string) => r.stdout.split('\n').filter((l) => l.startsWith(`${chain} `) && !l.startsWith(`${chain} type `)).map((l) => l.slice(chain.length + 1));
  // INPUT: established and related first, before any zone or policy (FTP's passive data connection is related).
  assert.equal(rules('INPUT')[0], 'ct state { established, related } accept', out);
  // FORWARD: established and related accepted, invalid dropped, both before the zones and their policies.
  const fwd = rules('FORWARD');
  assert.equal(fwd[0], 'ct state { established, related } accept', out);
  assert.ok(fwd.indexOf('ct state invalid drop') > 0 && fwd.indexOf('ct state invalid drop') < fwd.indexOf('jump filter_FORWARD_ZONES'), out);
  assert.deepEqual(rules('NAT'), ['ip saddr 192.168.6.0/24 accept', 'ip6 saddr 2001:db8:6::/64 accept'], out);
});

// A TCP listener on IPv6 port argv[1] that answers each connection with the
// address it came from (so the test sees whether it was masqueraded).
const ANSWER6 = `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('::', int(sys.argv[1])))
s.listen(8)
while True:
    c, a = s.accept()
    c.sendall(('answered %s\\n' % a[0]).encode())
    c.close()
`;
// A TCP connection to argv[1] port argv[2]: the line the listener answers, or why there was none.
const CONNECT6 = `import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    print(s.recv(200).decode().strip() or 'closed')
except OSError as e:
    print('failed: %s' % (e.strerror or type(e).__name__))
`;

// A director whose NAT services are all IPv6: no IPv4 server network to
// masquerade, no firewall mark. It gets lvsgen-nat all the same, with the
// IPv6 server network's family="ipv6" accept rule alone (before, it got no
// policy, and its real servers' own IPv6 connections out stayed the zone's to
// reject). What the policy decides is those connections: the IPVS path
// (clients to the virtual address, the replies) is decided by conntrack
// before any zone or policy (the test above; docs/distros.md). Proven with the
// real firewalld in the director's namespace, the administrator's zone: a
// real server behind it opens a TCP connection to a host in front and gets
// the answer back, from its own address (not masqueraded), only while
// lvsgen's policies are in place.
const SIX_ONLY = `name: six-only
defaults: { distro: rhel9 }
hosts:
  lb: { roles: [director], interfaces: { eth0: [10.1.3.1/24, "2001:db8:3::1/64"], eth1: [192.168.6.1/24, "2001:db8:6::1/64"] } }
  web1: { roles: [real-server], interfaces: { eth0: [192.168.6.4/24, "2001:db8:6::4/64"] } }
virtual_services:
  - virtual: "[2001:db8:3::61]:80"
    forward: masq
    check: { type: connect }
    real_servers: [web1]
`;

test('an IPv6-only NAT director on rhel9: lvsgen-nat holds the IPv6 server network\'s accept rule alone, and the real firewalld forwards a real server\'s IPv6 connection out and its answer back only with lvsgen\'s policies', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'unshare', 'mount', 'nsenter', 'firewalld', 'firewall-cmd', 'dbus-daemon', 'nft', 'python3', 'ss')) return;
  const g = generateText(SIX_ONLY, 'rhel9');
  const d = g.model.hosts.find((x) => x.name === 'lb')!;
  const files = g.bundles.find((b) => b.host === 'lb')!.files;
  const policy = (name: string) => {
    const f = files.find((x) => x.path === `etc/firewalld/policies/${name}`);
    assert.ok(f, `the IPv6-only NAT director has no ${name}`);
    return f.content.toString();
  };
  const nat = policy('lvsgen-nat.xml');
  assert.deepEqual([...nat.matchAll(/<rule family="(ipv[46])">\n {4}<source address="([^"]+)"\/>\n {4}<(\w+)\/>/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`), ['ipv6 2001:db8:6::/64 accept'], nat);
  assert.match(files.find((x) => x.path === '.lvsgen/plan')!.content.toString(), /^when firewalld \/etc\/firewalld\/policies\/lvsgen-nat\.xml$/m, 'the policy triggers the firewalld action');

  const s = scratchFirewalld(t);
  const { dir, nsDir } = s;
  writeFileSync(join(dir, 'lvsgen-host.xml'), policy('lvsgen-host.xml'));
  writeFileSync(join(dir, 'lvsgen-nat.xml'), nat);
  writeFileSync(join(dir, 'answer6.py'), ANSWER6);
  writeFileSync(join(dir, 'connect6.py'), CONNECT6);

  const { dr, rs, cl, front, back } = natDirector(t, d);
  const real = g.model.hosts.find((x) => x.name === 'web1')!;
  const rs6 = real.devices[0]!.ipv6[0]!;
  ok(rs.ip('-6', 'addr', 'add', `${rs6.address}/${rs6.prefix}`, 'dev', 'eth0', 'nodad'), 'real server IPv6 address');
  // The real server's IPv6 gateway as lvsgen derives it: the director.
  assert.deepEqual(real.gateway6, { address: back.ipv6[0]!.address, device: 'eth0' });
  ok(rs.ip('-6', 'route', 'add', 'default', 'via', real.gateway6!.address), 'real server IPv6 gateway');
  const cl6 = front.ipv6[0]!.address.replace(/::1$/, '::100');
  ok(cl.ip('-6', 'addr', 'add', `${cl6}/${front.ipv6[0]!.prefix}`, 'dev', 'eth0', 'nodad'), 'client IPv6 address');
  ok(cl.ip('-6', 'route', 'add', 'default', 'via', front.ipv6[0]!.address), 'client route back');
  ok(dr.exec('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']), 'director forwards IPv6');
  const port = 8080;
  spawnIn(t, cl, 'python3', [join(dir, 'answer6.py'), String(port)]);
  await until('the client\'s listener', () => cl.exec('ss', ['-Hltn', `sport = :${port}`]).stdout.includes(`:${port}`), 10_000);

  const connect = (tag: string) => `printf '${tag} %s\\n' "$(nsenter --net=${nsDir}/${rs.name} python3 ${dir}/connect6.py ${cl6} ${port})"`;
  const script = `${connect('zone')}
cp ${dir}/lvsgen-host.xml ${dir}/lvsgen-nat.xml /etc/firewalld/policies/
reload_fw
${connect('policy')}
nft list chain inet firewalld filter_FWD_policy_lvsgen-nat_allow | sed -n 's/^\\t\\t/NAT /p'
rm /etc/firewalld/policies/lvsgen-host.xml /etc/firewalld/policies/lvsgen-nat.xml
reload_fw
${connect('removed')}
`;
  const r = underFirewalld(s, dr, script);
  const { out } = r;
  const seen = (tag: string) => new RegExp(`^${tag} (.*)$`, 'm').exec(r.stdout)?.[1] ?? '(not tried)';
  assert.match(seen('zone'), /^failed: /, `the zone alone rejects the real server's connection out:\n${out}`);
  assert.equal(seen('policy'), `answered ${rs6.address}`, `with lvsgen's policies: answered, from the real server's own address:\n${out}`);
  assert.match(seen('removed'), /^failed: /, `policies removed:\n${out}`);
  const rules = r.stdout.split('\n').filter((l) => l.startsWith('NAT ')).map((l) => l.slice(4));
  assert.deepEqual(rules, ['ip6 saddr 2001:db8:6::/64 accept'], out);
});
