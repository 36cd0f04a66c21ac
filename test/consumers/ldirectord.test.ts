// ldirectord is the consumer of ldirectord.cf. It has no config-test flag, but
// every command parses the file first: `ldirectord /ABS/x.cf status` exits 3
// ("stopped") for a valid file and 2 with "Error ... reading file" for a bad
// one. Then, with ldirectord's own debug hook (an executable ./ipvsadm in the
// working directory), the real daemon runs inside a scratch namespace and the
// ipvsadm commands it issues are the seed's virtual services.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_EXAMPLES, DISTROS, generateText, read, render, requireRoot, requireTools, sh, STREAMLINE_VARIANT, tempDir, unique } from '../support/index.js';
import { startLdirectord } from '../support/ldirectord-run.js';

const CF = 'etc/ha.d/ldirectord.cf';

/** A copy under a unique basename (it names ldirectord's pid file), by absolute path. */
function copyAs(dir: string, text: string): string {
  const f = join(dir, `${unique('lvsgen-consumers-')}.cf`);
  writeFileSync(f, text);
  return f;
}

test('every ldirectord.cf passes ldirectord\'s own parser (status exits 3: valid, stopped)', async (t) => {
  if (!requireTools(t, 'ldirectord')) return;
  const dir = tempDir(t);
  const seen: string[] = [];
  for (const ex of ALL_EXAMPLES) {
    for (const distro of DISTROS) {
      const r = await render(t, ex, distro);
      for (const b of r.holding(CF)) {
        seen.push(`${ex}/${distro}/${b.host}`);
        const f = copyAs(dir, read(r.file(b.host, CF)));
        const s = sh('ldirectord', [f, 'status']);
        assert.equal(s.status, 3, `${ex}/${distro}/${b.host}: ldirectord status exited ${s.status}\n${s.stdout}${s.stderr}`);
        assert.match(s.stdout, new RegExp(`ldirectord is stopped for ${f}`));
        assert.doesNotMatch(s.stderr, /Error/);
      }
    }
  }
  assert.deepEqual(seen, ['lb-nat/redhat/director', 'lb-nat/debian/director', 'ha-lb/redhat/lvs1', 'ha-lb/redhat/lvs2', 'ha-lb/debian/lvs1', 'ha-lb/debian/lvs2', 'streamline/redhat/node1', 'streamline/redhat/node2', 'streamline/debian/node1', 'streamline/debian/node2'], 'hosts with an ldirectord.cf');
  // A streamline pair the project has never seen (other names, addresses, a UDP service, a third real server).
  for (const distro of DISTROS) {
    const g = generateText(STREAMLINE_VARIANT, distro);
    const cfs = g.bundles.flatMap((b) => b.files.filter((f) => f.path === CF).map((f) => [b.host, f.content] as const));
    assert.deepEqual(cfs.map(([h]) => h), ['alpha', 'bravo'], `${distro}: the variant's directors`);
    for (const [h, text] of cfs) {
      const s = sh('ldirectord', [copyAs(dir, text), 'status']);
      assert.equal(s.status, 3, `variant/${distro}/${h}: ldirectord status exited ${s.status}\n${s.stdout}${s.stderr}`);
    }
  }
});

test('negative controls: a corrupted ldirectord.cf makes ldirectord exit non-3 with "Error ... reading file F at line N"', async (t) => {
  if (!requireTools(t, 'ldirectord')) return;
  const r = await render(t, 'lb-nat', 'redhat');
  const good = read(r.file('director', CF));
  const goodLines = good.split('\n');
  const dir = tempDir(t);
  const receive = goodLines.findIndex((l) => /^\s+receive="/.test(l));
  const autoreload = goodLines.findIndex((l) => /^autoreload=/.test(l));
  assert.ok(receive >= 0 && autoreload >= 0);
  const corrupt: Array<[string, string, number]> = [
    ['an unknown directive', `${good}bogusdirective=1\n`, goodLines.length + (good.endsWith('\n') ? 0 : 1)],
    ['a receive string holding #', goodLines.map((l, i) => (i === receive ? l.replace(/"$/, ' #1"') : l)).join('\n'), receive + 1],
    ['a trailing space after a yes/no value', goodLines.map((l, i) => (i === autoreload ? `${l} ` : l)).join('\n'), autoreload + 1],
  ];
  for (const [what, text, line] of corrupt) {
    const f = copyAs(dir, text);
    const s = sh('ldirectord', [f, 'status']);
    assert.notEqual(s.status, 3, `${what}: ldirectord accepted it`);
    assert.match(s.stderr, new RegExp(`Error \\[\\d+\\] reading file ${f} at line ${line}:`), `${what}:\n${s.stderr}`);
  }
});

/** The seed's ipvsadm table as ldirectord's commands: -A per service, -a per real server (masq). */
const SEED_SERVICES = ['-A -t 10.1.3.61:21 -s rr -p 600', '-A -t 10.1.3.61:80 -s rr', '-A -t 10.1.3.61:443 -s rr'];
const SEED_REALS = [21, 80, 443].flatMap((p) => ['192.168.6.4', '192.168.6.5'].map((ip) => `-a -t 10.1.3.61:${p} -r ${ip}:${p} -m`));

for (const distro of DISTROS) {
  test(`lb-nat/${distro}: ldirectord started on the generated file issues the seed's virtual services (fake ipvsadm, scratch namespace)`, async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout')) return;
    const r = await render(t, 'lb-nat', distro);
    // Health checks can reach nothing: the namespace has only lo.
    const ld = startLdirectord(t, read(r.file('director', CF)), { seconds: 45 });
    const strip = (c: string) => c.replace(/ -[xyw] \d+/g, '');
    const done = () => {
      const c = ld.commands().map(strip);
      return [...SEED_SERVICES, ...SEED_REALS].every((x) => c.includes(x));
    };
    const commands = () => ld.commands();
    await ld.until(done, 40);
    assert.ok(done(), `ldirectord did not issue the seed's table; it ran:\n${commands().join('\n')}\n${ld.output().slice(-2000)}`);
    const issued = commands().map(strip);
    assert.deepEqual([...new Set(issued.filter((c) => c.startsWith('-A ')))].sort(), [...SEED_SERVICES].sort(), 'virtual services (-A)');
    assert.deepEqual([...new Set(issued.filter((c) => c.startsWith('-a ')))].sort(), [...SEED_REALS].sort(), 'real servers (-a)');
    // Stopped by its pid (timeout forwards SIGTERM): ldirectord removes its services.
    // Let it settle into its check loop first: a SIGTERM that lands while it is
    // still setting up (seen on a loaded machine) ends it before its handler is in place.
    await sleep(2000);
    await ld.stop();
    assert.deepEqual(
      [...new Set(commands().filter((c) => c.startsWith('-D ')))].sort(),
      SEED_SERVICES.map((s) => s.replace(/^-A (-t \S+).*$/, '-D $1')).sort(),
      'services deleted on stop',
    );
  });
}
