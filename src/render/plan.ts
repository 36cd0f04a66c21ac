// A host's plan (.lvsgen/plan): what the static installer (distros/_shared/install.sh)
// does on that host, as data. The installer is one program, identical in every
// bundle; everything that differs per host is here: the files with their mode,
// merge and secrecy, the actions with their triggers, confirmation and commands,
// the verify checks. Pure: renderPlan and parsePlan are each other's inverse,
// and the tests read plans with parsePlan rather than parsing a script.
//
// The format is made for `read -r` in POSIX sh, never eval: one record per line,
// fields separated by one space, the last field running to the end of the line;
// `#` starts a comment line. Every word of a command is a plain shell word
// (SAFE_WORD), so the installer splits a command on spaces with globbing off
// (set -f) and runs it as "$@": nothing in a plan is ever parsed by a shell.
//
//   lvsgen-plan 1                          format version (first record)
//   host NAME                              the host this bundle is for
//   needs PACKAGE                          a package the host needs (its
//                                          distro's name; the .deb Depends
//                                          and .rpm Requires; install.sh
//                                          only reads it)
//   file MODE MERGE SECRECY PATH           install PATH (MERGE: replace | block | iptables
//                                          | ifupdown | keyfile | ifcfg | interfaces;
//                                          SECRECY: plain | secret)
//   reads PATH ifcfg DIR                   PATH's consumer also reads DIR/ifcfg-*
//                                          (NetworkManager's ifcfg-rh): those for
//                                          PATH's device are disabled, their
//                                          settings carried into PATH
//   check PATH STATUS WORD...              pre-flight: before anything is
//                                          replaced, this command (every word
//                                          equal to PATH replaced by a staged
//                                          copy of what PATH will hold) must
//                                          exit STATUS
//   action NAME now|ask                    an action; ask: confirm first
//   when NAME PATH                         ... runs when PATH changed
//   before NAME must|may WORD...           ... commands run before its files
//                                          are replaced (the old ones in place)
//   run NAME must|may WORD...              ... its commands, in order (may:
//                                          a failure is only a warning)
//   running NAME WORD...                   ... then: is its daemon running?
//                                          (exit 0: yes), asked once
//   reload NAME must|may WORD...           ... run when it is (the daemon
//                                          re-reads its files, keeping state)
//   start NAME must|may WORD...            ... run when it is not
//   after NAME SVC must|may WORD...        ... run after its reload or start
//                                          when SVC was enabled or running
//                                          before the run (a backend switch:
//                                          the old one is stopped once the
//                                          new one runs)
//   readd NAME SVC must|may WORD...        ... then, when SVC was running
//                                          before the run: the new backend
//                                          adds what the old one deleted
//   undo NAME must|may WORD...             ... takes its live effect down (its
//                                          table, chain, addresses), lvsgen's
//                                          files still in place: --uninstall
//                                          and a rollback run it; a later
//                                          install whose plan no longer has
//                                          it runs it too (an address that
//                                          left the topology)
//   reapply NAME must|may WORD...          ... re-reads the files once they are
//                                          restored (sysctl -p, a reload)
//   service SVC QUERY WORD...              how to read and set a service an
//                                          action may change; QUERY: enabled |
//                                          active (exit 0: yes), enable,
//                                          disable, start, stop
//   changes NAME SVC                       ... action NAME may change SVC
//   enables NAME SVC                       ... or only its enablement
//   sysctl PROGRAM KEY                     a kernel key lvsgen sets: its live
//                                          value is kept before the actions
//                                          run, and put back by a rollback and
//                                          --uninstall
//   probe ID WORD...                       something an action turns on (a module,
//                                          an SELinux boolean, tunl0 up, a route):
//                                          is it on? (exit 0 with output); ID
//                                          names the item, not its place (its
//                                          state before lvsgen is kept under it)
//   revert ID must|may WORD...             ... turns it back: run by --uninstall
//                                          and a rollback when it was off before
//                                          (lvsgen's first install, this run) and
//                                          is on now
//   redo ID must|may WORD...               ... turns it on again: run by a rollback
//                                          of a later install that reverted it
//                                          (the plan of that install no longer
//                                          probes it; this record kept)
//   verify N WORD...                       --verify runs this command
//   expect N LINE                          ... whose output must hold LINE

export const PLAN_FORMAT = 1;

/**
 * replace: the file is lvsgen's, replaced whole. block: the host's file keeps
 * every line it has; lvsgen owns only a block between BLOCK_BEGIN and
 * BLOCK_END, rewritten in place or appended (files of a 2005 distro that has
 * no drop-in folder: /etc/sysctl.conf, /etc/modules, rc.local, the include
 * line of nftables.service's file). Uninstall takes the block out and keeps
 * the rest as it is then. iptables: a block too, in an iptables-save file
 * (/etc/sysconfig/iptables), placed inside the host's section of the table
 * the bundle's fragment names (see mergeIptables). ifupdown, keyfile: an
 * interface file lvsgen writes for a device (an interfaces(5) stanza file, a
 * NetworkManager keyfile), which keeps what the host's own configuration of
 * that device says and lvsgen's does not (DNS, MTU, a gateway, IPv6); the host's
 * other stanzas or profiles for the device are disabled (see mergeIfupdown,
 * mergeKeyfile, and install.sh's merge_ifupdown, merge_keyfile). ifcfg: the same
 * for a Red Hat ifcfg file (see mergeIfcfg, merge_ifcfg). interfaces: the
 * host's main interfaces(5) file (debian12's /etc/network/interfaces), kept
 * but for a marked block that ensures the line reading lvsgen's drop-ins and
 * its stanzas for the devices lvsgen's drop-ins configure, commented out (see
 * mergeInterfaces and install.sh's merge_interfaces).
 */
export type Merge = 'replace' | 'block' | 'iptables' | 'ifupdown' | 'keyfile' | 'ifcfg' | 'interfaces';
export const MERGES: readonly Merge[] = ['replace', 'block', 'iptables', 'ifupdown', 'keyfile', 'ifcfg', 'interfaces'];

/** The markers of a block (install.sh has the same two lines). */
export const BLOCK_BEGIN = '# BEGIN lvsgen: install.sh rewrites the lines up to END lvsgen; edit outside them';
export const BLOCK_END = '# END lvsgen';

const lines = (text: string | undefined) => (text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** The host's lines without lvsgen's block. */
function outside(host: string[]): string[] {
  let inBlock = false;
  return host.filter((l) => {
    if (l === BLOCK_BEGIN) return !(inBlock = true);
    if (inBlock) {
      if (l === BLOCK_END) inBlock = false;
      return false;
    }
    return true;
  });
}

/**
 * What install.sh makes of a host's file (undefined: absent) and a bundle's
 * block: the test oracle of merge_block. A block starting with a `#!` line
 * gives it to a file that has no line yet (above the block) and drops it otherwise.
 */
export function mergeBlock(host: string | undefined, block: string): string {
  const have = lines(host);
  let body = lines(block);
  const shebang = body[0]?.startsWith('#!') ? body[0] : undefined;
  if (shebang !== undefined) body = body.slice(1);
  return place(have, [BLOCK_BEGIN, ...body, BLOCK_END], (out) => (have.length === 0 && shebang !== undefined ? [shebang, ...out] : out));
}

/**
 * The test oracle of install.sh's merge_iptables: an iptables-save file merged
 * with a fragment holding one or more tables (`*nat` ... `COMMIT`). For each
 * table the host's file (outside lvsgen's blocks) has, a block holds the
 * fragment's lines of that table without its `*table` and COMMIT lines, just
 * before the host's COMMIT of it: iptables-restore flushes a table at each
 * `*table` line, so a second section would wipe the host's rules. The tables
 * the host has not go whole into one block, where such a block was or at the
 * end. The fragment's lines before its first table head every block.
 */
export function mergeIptables(host: string | undefined, fragment: string): string {
  const have = lines(host);
  const preamble: string[] = [];
  const sections: Array<{ table: string; body: string[] }> = [];
  let cur: { table: string; body: string[] } | undefined;
  for (const l of lines(fragment)) {
    if (l.startsWith('*')) sections.push((cur = { table: l, body: [] }));
    else if (l === 'COMMIT') cur = undefined;
    else if (cur !== undefined) cur.body.push(l);
    else preamble.push(l);
  }
  if (sections.length === 0) throw new Error('internal: an iptables fragment without a *table line');
  const hostTables = new Set(outside(have).filter((l) => l.startsWith('*')));
  const inside = new Map(sections.filter((s) => hostTables.has(s.table)).map((s) => [s.table, [BLOCK_BEGIN, ...preamble, ...s.body, BLOCK_END]]));
  const absent = sections.filter((s) => !hostTables.has(s.table));
  const whole = [BLOCK_BEGIN, ...preamble, ...absent.flatMap((s) => [s.table, ...s.body, 'COMMIT']), BLOCK_END];
  let wholeDone = absent.length === 0;
  const done = new Set<string>();
  const out: string[] = [];
  let table: string | undefined;
  let inBlock = false;
  for (const l of have) {
    if (inBlock) {
      if (l === BLOCK_END) inBlock = false;
      continue;
    }
    if (l === BLOCK_BEGIN) {
      inBlock = true;
      if (table === undefined && !wholeDone) {
        out.push(...whole);
        wholeDone = true;
      }
      continue;
    }
    if (l.startsWith('*')) table = l;
    if (l === 'COMMIT' && table !== undefined) {
      const b = inside.get(table);
      if (b !== undefined && !done.has(table)) {
        out.push(...b);
        done.add(table);
      }
      table = undefined;
    }
    out.push(l);
  }
  for (const [t, b] of inside) if (!done.has(t)) out.push(...b);
  if (!wholeDone) out.push(...whole);
  return `${out.join('\n')}\n`;
}

/** The host's lines with the block where the old one was, or at the end. */
function place(have: string[], block: string[], finish: (out: string[]) => string[]): string {
  const out: string[] = [];
  let inBlock = false;
  let done = false;
  for (const l of have) {
    if (l === BLOCK_BEGIN) {
      inBlock = true;
      if (!done) out.push(...block);
      done = true;
    } else if (inBlock) {
      if (l === BLOCK_END) inBlock = false;
    } else out.push(l);
  }
  if (!done) out.push(...block);
  return `${finish(out).join('\n')}\n`;
}

const IFUPDOWN_KEYWORDS = new Set(['iface', 'auto', 'mapping', 'source', 'source-directory', 'rename', 'no-auto-down', 'no-scripts']);
const ifupdownKeyword = (w: string | undefined) => w !== undefined && (IFUPDOWN_KEYWORDS.has(w) || w.startsWith('allow-'));
const words = (l: string) => l.trim().split(/\s+/);

/**
 * The test oracle of install.sh's merge_ifupdown, with the host's original of
 * the same path as the only source (a host without other interface files):
 * into each `iface DEV inet` stanza of lvsgen's file go the option lines of
 * the host's `iface DEV inet` stanzas, but for the address options
 * (address, netmask, broadcast, network, pointopoint), the gateway when
 * `lvsgenGateway` (one of lvsgen's files sets one) and an option lvsgen's stanza
 * has (up/down lines add up, without repeating one); the host's `iface DEV
 * inet6` stanzas follow lvsgen's file whole.
 */
export function mergeIfupdown(host: string | undefined, bundled: string, lvsgenGateway = false): string {
  const b = lines(bundled);
  const last = new Map<string, number>();
  const have = new Set<string>();
  const set = new Set<string>();
  let cur: string | undefined;
  b.forEach((l, i) => {
    const [w0, w1, w2] = words(l);
    if (ifupdownKeyword(w0)) {
      cur = w0 === 'iface' && w2 === 'inet' ? w1 : undefined;
      if (cur !== undefined) last.set(cur, i);
    } else if (cur !== undefined && l.trim() !== '' && !l.trim().startsWith('#')) {
      last.set(cur, i);
      have.add(`${cur} ${l.trim()}`);
      if (!/^(pre-|post-)?(up|down)$/.test(w0!)) set.add(`${cur} ${w0}`);
    }
  });
  const add = new Map<string, string[]>();
  let tail: string[] = [];
  let six: string | undefined;
  cur = undefined;
  for (const l of lines(host)) {
    const [w0, w1, w2] = words(l);
    if (ifupdownKeyword(w0)) {
      cur = w0 === 'iface' && w2 === 'inet' && last.has(w1!) ? w1 : undefined;
      six = w0 === 'iface' && w2 === 'inet6' && last.has(w1!) ? w1 : undefined;
      if (six !== undefined) tail.push('', l);
      continue;
    }
    const t = l.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (six !== undefined) tail.push(`\t${t}`);
    if (cur === undefined) continue;
    if (['address', 'netmask', 'broadcast', 'network', 'pointopoint'].includes(w0!) || (w0 === 'gateway' && lvsgenGateway)) continue;
    if (set.has(`${cur} ${w0}`) || have.has(`${cur} ${t}`)) continue;
    have.add(`${cur} ${t}`);
    add.set(cur, [...(add.get(cur) ?? []), `\t${t}`]);
  }
  const out: string[] = [];
  b.forEach((l, i) => {
    out.push(l);
    for (const [d, n] of last) if (n === i) out.push(...(add.get(d) ?? []));
  });
  return `${[...out, ...tail].join('\n')}\n`;
}

/** The prefix of a host's line that install.sh commented out (merge ifupdown's other files, merge interfaces). */
export const DISABLED = '#lvsgen-disabled# ';

/** An interfaces(5) line that reads lvsgen's drop-ins (/etc/network/interfaces.d/*). */
const readsDropIns = (l: string) => /^\s*(source\s+(\/etc\/network\/)?interfaces\.d\/\*|source-directory\s+(\/etc\/network\/)?interfaces\.d\/?)\s*$/.test(l);
/** The lines of a main interfaces file that name devices, one stanza each: `auto`, `allow-CLASS`, `no-auto-down`, `no-scripts`. */
const deviceList = (w: string | undefined) => w === 'auto' || w === 'no-auto-down' || w === 'no-scripts' || (w?.startsWith('allow-') ?? false);

/**
 * A main interfaces file as the host had it before merge_interfaces, but for
 * lvsgen's block: its disabled lines back, and out the `mapping` line lvsgen
 * wrote right after a disabled `mapping` line (one naming only what that
 * line names or its globs match). install.sh's merge_interfaces and
 * unmerge_interfaces read it so.
 */
export function hostInterfaces(text: string): string[] {
  const out: string[] = [];
  let disabledMapping: string[] | undefined;
  for (const l of lines(text)) {
    const was = disabledMapping;
    disabledMapping = undefined;
    if (l.startsWith(DISABLED)) {
      const back = l.slice(DISABLED.length);
      const [w0, ...ws] = words(back);
      if (w0 === 'mapping') disabledMapping = ws;
      out.push(back);
      continue;
    }
    const [w0, ...ws] = words(l);
    if (was !== undefined && w0 === 'mapping' && ws.length > 0 && ws.every((d) => was.some((p) => p === d || (isGlob(p) && mappingPattern(p).test(d))))) continue;
    out.push(l);
  }
  return out;
}

/** A mapping pattern with glob characters (`*`, `?`, `[`): it may match names the line does not spell out. */
const isGlob = (p: string) => /[[*?\]]/.test(p);

/**
 * An interfaces(5) mapping pattern as a RegExp: shell glob syntax, as ifupdown
 * matches it (fnmatch(3) without flags: `*` and `?` match any character,
 * `[...]` a class, `[!...]` its complement, a backslash quotes). install.sh's
 * MAPPING_AWK reads patterns the same way.
 */
export function mappingPattern(p: string): RegExp {
  let r = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const close = c === '[' ? p.indexOf(']', i + 2) : -1;
    if (c === '*') r += '.*';
    else if (c === '?') r += '.';
    else if (close > 0) {
      const cls = p.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\').replace(/^(\^?)\]/, '$1\\]');
      r += `[${cls}]`;
      i = close;
    } else r += (c === '\\' && i + 1 < p.length ? p[++i]! : c).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${r}$`, 's');
}

/**
 * The test oracle of install.sh's merge_interfaces: the host's main
 * interfaces(5) file (undefined: absent, then lvsgen's stock file whole) with
 * `devices` (those lvsgen's drop-ins configure: their `iface DEV inet`
 * stanzas) taken out of it. The host's lines stay byte for byte but for:
 * - every stanza of one of `devices`, `iface DEV` of any family or a `mapping`
 *   whose patterns each match one of them (shell globs: mappingPattern), has its lines that are neither blank nor a
 *   comment commented out with DISABLED (merge_ifupdown takes their options over
 *   into lvsgen's drop-in, and an inet6 stanza whole);
 * - a `mapping` line with a pattern that matches one of `devices` and others
 *   that match none is commented out the same way and followed by lvsgen's
 *   `mapping` line of the others alone (a glob that matches one of `devices`
 *   goes whole, and the administrator's devices it also matches join the
 *   others by name: those the host's file names on an `auto` or `allow-*`
 *   line, and `adminDevices`, install.sh's from its other files and
 *   /sys/class/net): the
 *   stanza (its `script`, `map` lines) stays the administrator's mapping of
 *   their devices, and ifup of lvsgen's device no longer runs it (ifup maps a
 *   device named by a mapping's patterns before it looks for its `iface`,
 *   interfaces(5) "MAPPING");
 * - an `auto`, `allow-*`, `no-auto-down` or `no-scripts` line naming one of
 *   `devices` is commented out the same way; the devices it names besides
 *   go, with the same keyword, into lvsgen's block;
 * - lvsgen's marked block (where the host's file had one, or at the end)
 *   holds the bundled file's `source` lines when the host's file has no line
 *   that reads /etc/network/interfaces.d/* (`source` or `source-directory`),
 *   and those lines; no block when it would be empty.
 * A file lvsgen merged before is read as the host had it: its block out, its
 * disabled lines back, the `mapping` line it wrote after a disabled one out
 * (see hostInterfaces). --uninstall does the same.
 */
export function mergeInterfaces(host: string | undefined, bundled: string, devices: readonly string[] = [], adminDevices: readonly string[] = []): string {
  if (host === undefined) return bundled;
  const managed = new Set(devices);
  // A mapping pattern that matches one of `devices` (a glob goes whole: it cannot leave names out).
  const maps = (p: string) => {
    const re = mappingPattern(p);
    return devices.some((d) => re.test(d));
  };
  const have = hostInterfaces(host);
  const admins = [...new Set([...have.map(words).filter((w) => w[0] === 'auto' || (w[0]?.startsWith('allow-') ?? false)).flatMap((w) => w.slice(1)), ...adminDevices])]
    .filter((d) => !managed.has(d))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rest: string[] = [];
  let reads = false;
  let off = false;
  let inBlock = false;
  const out: Array<string | undefined> = [];
  for (const l of have) {
    if (l === BLOCK_BEGIN) {
      inBlock = true;
      if (!out.includes(undefined)) out.push(undefined);
      continue;
    }
    if (inBlock) {
      if (l === BLOCK_END) inBlock = false;
      continue;
    }
    const [w0, ...ws] = words(l);
    if (ifupdownKeyword(w0)) {
      off = (w0 === 'iface' && managed.has(ws[0]!)) || (w0 === 'mapping' && ws.length > 0 && ws.every(maps));
      if (w0 === 'mapping' && ws.some(maps)) {
        const others = ws.filter((d) => !maps(d));
        for (const d of admins) if (ws.some((p) => isGlob(p) && maps(p) && mappingPattern(p).test(d)) && !others.includes(d)) others.push(d);
        off = others.length === 0;
        if (!off) {
          out.push(`${DISABLED}${l}`, `${/^\s*/.exec(l)![0]}mapping ${others.join(' ')}`);
          continue;
        }
      }
      if (deviceList(w0) && ws.some((d) => managed.has(d))) {
        const others = ws.filter((d) => !managed.has(d));
        if (others.length > 0) rest.push(`${w0} ${others.join(' ')}`);
        out.push(`${DISABLED}${l}`);
        continue;
      }
      if (readsDropIns(l)) reads = true;
    }
    const t = l.trim();
    out.push(off && t !== '' && !t.startsWith('#') ? `${DISABLED}${l}` : l);
  }
  const block = [...(reads ? [] : lines(bundled).filter((l) => /^\s*source(-directory)?\s/.test(l))), ...rest];
  const wrapped = block.length > 0 ? [BLOCK_BEGIN, ...block, BLOCK_END] : [];
  if (!out.includes(undefined)) out.push(undefined);
  return `${out.flatMap((l) => (l === undefined ? wrapped : [l])).join('\n')}\n`;
}

/**
 * The test oracle of install.sh's merge_keyfile, with the host's original of
 * the same path as the only source: the keys of the host's profile for the
 * same device (interface-name) join lvsgen's sections, or come as sections of
 * their own, but for those lvsgen sets ([connection] id, uuid, type,
 * interface-name, autoconnect, autoconnect-priority; [ipv4] method, address*,
 * route*, the gateway when `lvsgenGateway`; any key lvsgen's file has); the
 * host's [ipv6] keys replace lvsgen's.
 */
export function mergeKeyfile(host: string | undefined, bundled: string, lvsgenGateway = false, macs: Macs = {}): string {
  const sections: string[] = [];
  const body = new Map<string, string[]>([['', []]]);
  const set = new Set<string>();
  const key = (l: string) => (/^[^#;].*=/.test(l) ? l.replace(/\s*=.*/, '') : undefined);
  let sec = '';
  let dev: string | undefined;
  for (const l of lines(bundled)) {
    if (/^\s*\[/.test(l)) {
      sec = l.trimEnd();
      sections.push(sec);
      body.set(sec, []);
      continue;
    }
    body.get(sec)!.push(l);
    const k = key(l);
    if (k === undefined) continue;
    if (sec !== '[ipv6]') set.add(`${sec} ${k}`);
    if (sec === '[connection]' && k === 'interface-name') dev = l.replace(/^[^=]*=\s*/, '');
  }
  const src: Array<[string, string, string]> = [];
  sec = '';
  for (const l of lines(host)) {
    if (/^\s*\[/.test(l)) sec = l.trimEnd();
    const k = key(l);
    if (/^\s*\[/.test(l) || k === undefined) continue;
    src.push([sec, k, l]);
  }
  const add = new Map<string, string[]>();
  let six = false;
  if (keyfileDevice(host, macs) === (dev ?? '')) {
    for (const [s, k, l] of src) {
      if (s === '[ipv6]') six = true;
      if (s === '[connection]' && /^(id|uuid|type|interface-name|autoconnect|autoconnect-priority)$/.test(k)) continue;
      if (s === '[ipv4]' && (/^(method|address(es)?[0-9]*|route(s)?[0-9]*(_options)?)$/.test(k) || (k === 'gateway' && lvsgenGateway))) continue;
      if (set.has(`${s} ${k}`)) continue;
      set.add(`${s} ${k}`);
      if (!sections.includes(s)) sections.push(s);
      add.set(s, [...(add.get(s) ?? []), l]);
    }
  }
  const out = [...body.get('')!];
  sections.forEach((s, j) => {
    let t = body.get(s) ?? [];
    if (s === '[ipv6]' && six) t = t.filter((l) => key(l) === undefined);
    while (t.length > 0 && t[t.length - 1] === '') t = t.slice(0, -1);
    out.push(...(j > 0 ? [''] : []), s, ...t, ...(add.get(s) ?? []));
  });
  return `${out.join('\n')}\n`;
}

/**
 * The hardware addresses of lvsgen's devices as install.sh reads them
 * (ROOT/sys/class/net/DEV/address), lower case, each to its device.
 */
export type Macs = Readonly<Record<string, string>>;

/** The device of hardware address MAC among `macs` (case aside), or undefined. */
const byMac = (mac: string, macs: Macs) => macs[mac.trim().toLowerCase()];

/**
 * The device a keyfile profile is bound to, as install.sh's merge_keyfile and
 * off_keyfile find it: `[connection] interface-name`, unless `[ethernet]
 * mac-address` names another of `macs`' devices (NetworkManager wants both);
 * without interface-name, the device of its mac-address. '' when none.
 */
export function keyfileDevice(text: string | undefined, macs: Macs = {}): string {
  let sec = '';
  let dev = '';
  let mac = '';
  for (const l of lines(text)) {
    if (/^\s*\[/.test(l)) sec = l.trimEnd();
    const m = /^([^#;][^=]*?)\s*=\s*(.*)$/.exec(l);
    if (m === null) continue;
    if (sec === '[connection]' && m[1] === 'interface-name') dev = m[2]!;
    if ((sec === '[ethernet]' || sec === '[802-3-ethernet]') && m[1] === 'mac-address') mac = m[2]!;
  }
  if (mac === '') return dev;
  const of = byMac(mac, macs) ?? '';
  return dev === '' || of === dev ? of : '';
}

/** The variable an ifcfg line sets (`KEY=...`, blanks before it allowed), or undefined (a comment, a blank or other shell). */
const ifcfgKey = (l: string) => /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)=/.exec(l)?.[1];
const unquote = (v: string) => v.replace(/^[ \t]+|[ \t]+$/g, '').replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
/** The value an ifcfg line sets, without its quotes. */
const ifcfgValue = (l: string) => unquote(l.replace(/^[^=]*=/, ''));

/**
 * The device an ifcfg file configures, as initscripts find it
 * (network-functions' source_config: `DEVICE=`, else, with `HWADDR=`, the
 * device of that address (get_device_by_hwaddr: '' when none of `macs` has
 * it), else the name after `ifcfg-`). The last assignment wins, as when the
 * shell sources the file.
 */
export function ifcfgDevice(text: string | undefined, name: string, macs: Macs = {}): string {
  let dev: string | undefined;
  let hw: string | undefined;
  for (const l of lines(text)) {
    if (ifcfgKey(l) === 'DEVICE') dev = ifcfgValue(l);
    if (ifcfgKey(l) === 'HWADDR') hw = ifcfgValue(l);
  }
  if (dev !== undefined && dev !== '') return dev;
  if (hw !== undefined && hw !== '') return byMac(hw, macs) ?? '';
  return name.replace(/^.*\//, '').replace(/^ifcfg-/, '');
}

/**
 * The test oracle of install.sh's merge_ifcfg, with the host's original of
 * the same path as the only source: lvsgen's ifcfg file as it is, then the
 * host's lines for the same device (DEVICE), in their order and bytes
 * (comments too), but for the variables lvsgen sets: any its file has
 * (DEVICE, ONBOOT, BOOTPROTO, IPADDR, NETMASK ...), the address ones
 * (IPADDR*, NETMASK*, PREFIX*, NETWORK, BROADCAST: initscripts prefer PREFIX
 * to NETMASK), ONPARENT (an alias the host's file skipped is lvsgen's now), IPV6ADDR_SECONDARIES when lvsgen sets IPV6ADDR, and GATEWAY*
 * (IPV6_DEFAULTGW) when one of lvsgen's files of the host sets GATEWAY
 * (IPV6_DEFAULTGW): a host has one default route.
 */
export function mergeIfcfg(host: string | undefined, bundled: string, lvsgenGateway = false, lvsgenGateway6 = false, macs: Macs = {}): string {
  const b = lines(bundled);
  const set = new Set(b.map(ifcfgKey).filter((k): k is string => k !== undefined));
  const dev = ifcfgDevice(bundled, '');
  const out = [...b];
  if (host !== undefined && ifcfgDevice(host, `ifcfg-${dev}`, macs) === dev) {
    for (const l of lines(host)) {
      const k = ifcfgKey(l);
      if (k !== undefined && (set.has(k) || /^(IPADDR|NETMASK|PREFIX)[0-9]*$|^(NETWORK|BROADCAST|ONPARENT)$/.test(k) || (k === 'IPV6ADDR_SECONDARIES' && set.has('IPV6ADDR')) || (/^GATEWAY[0-9]*$/.test(k) && lvsgenGateway) || (k === 'IPV6_DEFAULTGW' && lvsgenGateway6))) continue;
      out.push(l);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The test oracle of install.sh's ifcfg_as_keyfile: what NetworkManager's
 * ifcfg-rh plugin makes of an ifcfg file's settings that lvsgen carries into
 * its keyfile, as a keyfile (the device's interface-name first): ZONE, MTU,
 * the IPv4 DNS servers (DNS1, DNS2 ...), DOMAIN, GATEWAY, and where
 * IPV6INIT is true the IPv6 method, addresses (IPV6ADDR,
 * IPV6ADDR_SECONDARIES), IPV6_DEFAULTGW and IPv6 DNS servers. The variables
 * are read, never run: the last assignment wins, quotes taken off.
 */
export function ifcfgAsKeyfile(text: string | undefined, name: string, macs: Macs = {}): string {
  const v = new Map<string, string>();
  for (const l of lines(text)) {
    const k = ifcfgKey(l);
    if (k !== undefined) v.set(k, ifcfgValue(l));
  }
  const get = (k: string) => v.get(k) ?? '';
  const dns = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => get(`DNS${i}`)).filter((d) => d !== '');
  const out = ['[connection]', `interface-name=${ifcfgDevice(text, name, macs)}`];
  if (get('ZONE') !== '') out.push(`zone=${get('ZONE')}`);
  if (get('MTU') !== '') out.push('[ethernet]', `mtu=${get('MTU')}`);
  const four = dns.filter((d) => !d.includes(':'));
  const search = get('DOMAIN').split(/[ \t]+/).filter((d) => d !== '');
  if (four.length > 0 || search.length > 0 || get('GATEWAY') !== '') {
    out.push('[ipv4]');
    if (four.length > 0) out.push(`dns=${four.map((d) => `${d};`).join('')}`);
    if (search.length > 0) out.push(`dns-search=${search.map((d) => `${d};`).join('')}`);
    if (get('GATEWAY') !== '') out.push(`gateway=${get('GATEWAY')}`);
  }
  if (/^([Yy]([Ee][Ss])?|[Tt]([Rr][Uu][Ee])?|1)$/.test(get('IPV6INIT'))) {
    const addrs = [get('IPV6ADDR'), ...get('IPV6ADDR_SECONDARIES').split(/[ \t]+/)].filter((a) => a !== '');
    out.push('[ipv6]', `method=${get('IPV6ADDR') !== '' ? 'manual' : 'auto'}`, ...addrs.map((a, i) => `address${i + 1}=${a}`));
    if (get('IPV6_DEFAULTGW') !== '') out.push(`gateway=${get('IPV6_DEFAULTGW').replace(/%.*/, '')}`);
    const six = dns.filter((d) => d.includes(':'));
    if (six.length > 0) out.push(`dns=${six.map((d) => `${d};`).join('')}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * What install.sh makes of the host's file (undefined: absent) and the bundle's
 * file, merged by MERGE; `devices`: for merge interfaces, those lvsgen's
 * ifupdown drop-ins configure (see interfacesDevices).
 */
export function mergeFile(merge: Merge, host: string | undefined, bundled: string, devices: readonly string[] = [], macs: Macs = {}): string {
  switch (merge) {
    case 'block':
      return mergeBlock(host, bundled);
    case 'iptables':
      return mergeIptables(host, bundled);
    case 'ifupdown':
      return mergeIfupdown(host, bundled);
    case 'keyfile':
      return mergeKeyfile(host, bundled, false, macs);
    case 'ifcfg':
      return mergeIfcfg(host, bundled, false, false, macs);
    case 'interfaces':
      return mergeInterfaces(host, bundled, devices);
    default:
      return bundled;
  }
}

/** The devices lvsgen's ifupdown files configure (their `iface DEV inet` stanzas): what merge interfaces takes out of the host's main file. */
export function interfacesDevices(files: ReadonlyArray<{ merge: Merge; content: string }>): string[] {
  return files.filter((f) => f.merge === 'ifupdown').flatMap((f) => lines(f.content).map(words).filter((w) => w[0] === 'iface' && w[2] === 'inet').map((w) => w[1]!));
}

export interface PlanFile {
  /** Host path, absolute. */
  path: string;
  mode: number;
  merge: Merge;
  secret: boolean;
  /**
   * Pre-flight: the command with which the file's consumer reads it without
   * applying it (a word equal to `path` stands for the staged copy), and the
   * exit status that means it takes the file.
   */
  check?: PlanFileCheck;
  /**
   * The file's consumer also reads the ifcfg files of this folder
   * (NetworkManager's ifcfg-rh plugin): those for the file's device get
   * ONBOOT=no and their settings join the file (ifcfgAsKeyfile).
   */
  ifcfgDir?: string;
}

export interface PlanFileCheck {
  words: string[];
  status: number;
}

export interface PlanCommand {
  /** The command's words, run as they are (no shell). */
  words: string[];
  /** A failure is only a warning (a leading `-` in distro.yaml). */
  tolerant: boolean;
}

export interface PlanAction {
  name: string;
  /** Ask before running (restarting networking can cut the operator's connection). */
  confirm: boolean;
  /** Host paths: the action runs when one of them changed. Sorted. */
  triggers: string[];
  /** Run before the files are replaced, while the old ones are still in place. */
  before: PlanCommand[];
  commands: PlanCommand[];
  /**
   * Reload, not restart: after `commands`, `running` (exit 0: the daemon
   * runs) picks `reload` (it re-reads its files and keeps its state: the IPVS
   * table, the VRRP master's addresses) or `start`. Empty: none.
   */
  running: string[];
  reload: PlanCommand[];
  start: PlanCommand[];
  /**
   * A backend switch: run after the reload or start (the new backend runs)
   * when `service` was enabled or running before the run: the old one stopped.
   */
  after?: { service: string; commands: PlanCommand[] };
  /** Run after `after` when `service` was running before the run: the new backend adds what the old one deleted. */
  readd?: { service: string; commands: PlanCommand[] };
  /**
   * Takes the action's live effect down (lvsgen's table or chain, its
   * addresses) while lvsgen's files are still in place: run by --uninstall
   * and by a rollback of a run that started the action.
   */
  undo: PlanCommand[];
  /** Run once the files are restored, so the host re-reads them (sysctl -p, firewall-cmd --reload). */
  reapply: PlanCommand[];
  /** Services the action may enable, disable, start or stop (their state is kept and put back). Sorted. */
  services: string[];
  /** Services the action only enables or disables (stopping them would flush rules: iptables, nftables). Sorted. */
  enables: string[];
}

/**
 * Something an action turns on that the host may not have had (a module
 * loaded, an SELinux boolean set, tunl0 up, a route added): `probe` says
 * whether it is on (exit 0 with output), `revert` turns it back. install.sh
 * reverts, on --uninstall and rollback, only what was off before and is on now.
 */
export interface PlanProbe {
  /** Names the item itself (`route-eth0-10_1_4_0-24-via-10_1_3_1`), never its place in a list: install.sh keeps its original state under it across installs. */
  id: string;
  words: string[];
  revert: PlanCommand;
  /** Turns it on again (the rollback of a later install that reverted it, its plan no longer probing it). */
  redo?: PlanCommand;
}

/** The state of a service an action may change, and how to set it: the commands, as words. */
export const SERVICE_QUERIES = ['enabled', 'active', 'enable', 'disable', 'start', 'stop'] as const;
export type ServiceQuery = (typeof SERVICE_QUERIES)[number];
export interface PlanService {
  name: string;
  /** enabled, active: exit 0 means yes. A query a distro cannot answer is absent (that state is not kept). */
  commands: Partial<Record<ServiceQuery, string[]>>;
}

/** A kernel key lvsgen sets, and the program that reads (`-n KEY`) and writes (`-w KEY=VALUE`) it. */
export interface PlanSysctl {
  program: string;
  key: string;
}

export interface PlanCheck {
  words: string[];
  /** Lines the command's output must hold (whitespace runs collapsed). */
  expect: string[];
}

export interface Plan {
  host: string;
  /** The packages the host needs (its distro's names), sorted: what its files and actions need. */
  needs: string[];
  /** Install order. */
  files: PlanFile[];
  /** Run order. */
  actions: PlanAction[];
  /** The services the actions name, sorted. */
  services: PlanService[];
  /** Sorted by key. */
  sysctls: PlanSysctl[];
  /** In the actions' order. */
  probes: PlanProbe[];
  verify: PlanCheck[];
}

/** A word the installer may pass to a program as it is: what shellQuote leaves unquoted. */
export const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;
const NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** A service (a unit or init script name). */
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;
/** A sysctl key as sysctl(8) names it (dots, or slashes). */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/;
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;
const PATH = /^\/(?:[A-Za-z0-9_.:~-]+\/)*[A-Za-z0-9_.:~-]+$/;
/** Printable ASCII without a leading or trailing blank: an expected output line. */
const TEXT = /^[!-~](?:[ -~]*[!-~])?$/;

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`internal: cannot be written into a plan: ${what}`);
}

/** Splits a command line of distro.yaml into its words; each must be a plain shell word. */
export function commandWords(line: string): string[] {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  must(words.length > 0 && words.every((w) => SAFE_WORD.test(w)), `command ${JSON.stringify(line)}`);
  return words;
}

export function renderPlan(plan: Plan, header: string): string {
  must(NAME.test(plan.host), `host ${JSON.stringify(plan.host)}`);
  const out = [`# ${header}`, '# Read by .lvsgen/install.sh (one record per line; see its header for the format).', `lvsgen-plan ${PLAN_FORMAT}`, `host ${plan.host}`];
  for (const p of plan.needs) {
    must(PACKAGE.test(p), `package ${JSON.stringify(p)}`);
    out.push(`needs ${p}`);
  }
  for (const f of plan.files) {
    must(PATH.test(f.path), `path ${JSON.stringify(f.path)}`);
    out.push(`file 0${f.mode.toString(8)} ${f.merge} ${f.secret ? 'secret' : 'plain'} ${f.path}`);
  }
  for (const f of plan.files) {
    if (f.ifcfgDir === undefined) continue;
    must(PATH.test(f.ifcfgDir), `ifcfg folder ${JSON.stringify(f.ifcfgDir)} of ${f.path}`);
    out.push(`reads ${f.path} ifcfg ${f.ifcfgDir}`);
  }
  for (const f of plan.files) {
    if (f.check === undefined) continue;
    const { words, status } = f.check;
    must(words.length > 0 && words.every((w) => SAFE_WORD.test(w)) && words.slice(1).includes(f.path), `check of ${f.path}: ${JSON.stringify(words)} (it must name the file)`);
    must(Number.isInteger(status) && status >= 0 && status <= 255, `check of ${f.path}: exit status ${status}`);
    out.push(`check ${f.path} ${status} ${words.join(' ')}`);
  }
  for (const a of plan.actions) {
    must(NAME.test(a.name), `action ${JSON.stringify(a.name)}`);
    out.push(`action ${a.name} ${a.confirm ? 'ask' : 'now'}`);
    for (const p of a.triggers) {
      must(PATH.test(p), `path ${JSON.stringify(p)}`);
      out.push(`when ${a.name} ${p}`);
    }
    const commands = (record: string, list: readonly PlanCommand[]) => {
      for (const c of list) {
        must(c.words.length > 0 && c.words.every((w) => SAFE_WORD.test(w)), `command ${JSON.stringify(c.words)}`);
        out.push(`${record} ${a.name} ${c.tolerant ? 'may' : 'must'} ${c.words.join(' ')}`);
      }
    };
    commands('before', a.before);
    commands('run', a.commands);
    if (a.running.length > 0) {
      must(a.running.every((w) => SAFE_WORD.test(w)) && (a.reload.length > 0 || a.start.length > 0), `running ${JSON.stringify(a.running)}`);
      out.push(`running ${a.name} ${a.running.join(' ')}`);
      commands('reload', a.reload);
      commands('start', a.start);
    } else must(a.reload.length === 0 && a.start.length === 0, `action ${a.name}: reload or start without running`);
    for (const [record, of] of [['after', a.after], ['readd', a.readd]] as const) {
      if (of === undefined) continue;
      must(SERVICE.test(of.service) && of.commands.length > 0 && a.services.includes(of.service), `action ${a.name}: ${record} of ${of.service} (a service the action changes)`);
      for (const c of of.commands) {
        must(c.words.length > 0 && c.words.every((w) => SAFE_WORD.test(w)), `command ${JSON.stringify(c.words)}`);
        out.push(`${record} ${a.name} ${of.service} ${c.tolerant ? 'may' : 'must'} ${c.words.join(' ')}`);
      }
    }
    commands('undo', a.undo);
    commands('reapply', a.reapply);
    for (const [record, list] of [['changes', a.services], ['enables', a.enables]] as const) {
      for (const s of list) {
        must(plan.services.some((x) => x.name === s), `action ${a.name}: service ${s} without its commands`);
        out.push(`${record} ${a.name} ${s}`);
      }
    }
  }
  for (const s of plan.services) {
    must(SERVICE.test(s.name), `service ${JSON.stringify(s.name)}`);
    for (const q of SERVICE_QUERIES) {
      const words = s.commands[q];
      if (words === undefined) continue;
      must(words.length > 0 && words.every((w) => SAFE_WORD.test(w)), `service command ${JSON.stringify(words)}`);
      out.push(`service ${s.name} ${q} ${words.join(' ')}`);
    }
  }
  for (const k of plan.sysctls) {
    must(SAFE_WORD.test(k.program) && KEY.test(k.key), `sysctl ${JSON.stringify(k)}`);
    out.push(`sysctl ${k.program} ${k.key}`);
  }
  for (const p of plan.probes) {
    must(NAME.test(p.id) && plan.probes.filter((x) => x.id === p.id).length === 1, `probe ${JSON.stringify(p.id)} (a name, once)`);
    must(p.words.length > 0 && p.words.every((w) => SAFE_WORD.test(w)) && p.revert.words.length > 0 && p.revert.words.every((w) => SAFE_WORD.test(w)), `probe ${p.id}: ${JSON.stringify(p)}`);
    out.push(`probe ${p.id} ${p.words.join(' ')}`);
    out.push(`revert ${p.id} ${p.revert.tolerant ? 'may' : 'must'} ${p.revert.words.join(' ')}`);
    if (p.redo !== undefined) {
      must(p.redo.words.length > 0 && p.redo.words.every((w) => SAFE_WORD.test(w)), `redo ${p.id}: ${JSON.stringify(p.redo)}`);
      out.push(`redo ${p.id} ${p.redo.tolerant ? 'may' : 'must'} ${p.redo.words.join(' ')}`);
    }
  }
  plan.verify.forEach((v, i) => {
    must(v.words.length > 0 && v.words.every((w) => SAFE_WORD.test(w)), `verify command ${JSON.stringify(v.words)}`);
    out.push(`verify ${i + 1} ${v.words.join(' ')}`);
    for (const e of v.expect) {
      must(TEXT.test(e), `expected line ${JSON.stringify(e)}`);
      out.push(`expect ${i + 1} ${e}`);
    }
  });
  return `${out.join('\n')}\n`;
}

/** The plan a .lvsgen/plan holds; throws naming the line of anything else. */
export function parsePlan(text: string): Plan {
  const plan: Plan = { host: '', needs: [], files: [], actions: [], services: [], sysctls: [], probes: [], verify: [] };
  let version = false;
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const bad = (why: string) => new Error(`plan line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    const [kind, ...f] = line.split(' ');
    if (!version) {
      if (kind !== 'lvsgen-plan' || f[0] !== String(PLAN_FORMAT)) throw bad(`not a plan of format ${PLAN_FORMAT}`);
      version = true;
      return;
    }
    const action = (name: string | undefined) => {
      const a = plan.actions.find((x) => x.name === name);
      if (!a) throw bad('unknown action');
      return a;
    };
    switch (kind) {
      case 'host':
        plan.host = f.join(' ');
        break;
      case 'needs':
        if (f.length !== 1 || !PACKAGE.test(f[0]!)) throw bad('malformed needs record');
        plan.needs.push(f[0]!);
        break;
      case 'file':
        if (f.length !== 4 || !/^0[0-7]{3}$/.test(f[0]!) || !MERGES.includes(f[1] as Merge) || !['plain', 'secret'].includes(f[2]!)) throw bad('malformed file record');
        plan.files.push({ mode: parseInt(f[0]!, 8), merge: f[1] as Merge, secret: f[2] === 'secret', path: f[3]! });
        break;
      case 'reads': {
        const file = plan.files.find((x) => x.path === f[0]);
        if (!file) throw bad('a reads record of a file the plan does not install');
        if (file.ifcfgDir !== undefined || f.length !== 3 || f[1] !== 'ifcfg' || !PATH.test(f[2]!)) throw bad('malformed reads record');
        file.ifcfgDir = f[2]!;
        break;
      }
      case 'check': {
        const file = plan.files.find((x) => x.path === f[0]);
        if (!file) throw bad('a check of a file the plan does not install');
        if (file.check !== undefined || f.length < 3 || !/^(?:0|[1-9][0-9]{0,2})$/.test(f[1]!) || Number(f[1]) > 255) throw bad('malformed check record');
        file.check = { status: Number(f[1]), words: f.slice(2) };
        break;
      }
      case 'action':
        if (f.length !== 2 || !['now', 'ask'].includes(f[1]!)) throw bad('malformed action record');
        plan.actions.push({ name: f[0]!, confirm: f[1] === 'ask', triggers: [], before: [], commands: [], running: [], reload: [], start: [], undo: [], reapply: [], services: [], enables: [] });
        break;
      case 'when':
        action(f[0]).triggers.push(f.slice(1).join(' '));
        break;
      case 'before':
      case 'run':
      case 'reload':
      case 'start':
      case 'undo':
      case 'reapply':
        if (!['must', 'may'].includes(f[1]!) || f.length < 3) throw bad(`malformed ${kind} record`);
        action(f[0])[kind === 'run' ? 'commands' : kind].push({ tolerant: f[1] === 'may', words: f.slice(2) });
        break;
      case 'after':
      case 'readd': {
        if (f.length < 4 || !SERVICE.test(f[1]!) || !['must', 'may'].includes(f[2]!)) throw bad(`malformed ${kind} record`);
        const a = action(f[0]);
        if (a[kind] !== undefined && a[kind].service !== f[1]) throw bad(`a second ${kind} service`);
        a[kind] ??= { service: f[1]!, commands: [] };
        a[kind].commands.push({ tolerant: f[2] === 'may', words: f.slice(3) });
        break;
      }
      case 'running':
        if (f.length < 2) throw bad('malformed running record');
        action(f[0]).running = f.slice(1);
        break;
      case 'changes':
      case 'enables':
        if (f.length !== 2 || !SERVICE.test(f[1]!)) throw bad(`malformed ${kind} record`);
        action(f[0])[kind === 'changes' ? 'services' : 'enables'].push(f[1]!);
        break;
      case 'service': {
        if (f.length < 3 || !SERVICE.test(f[0]!) || !SERVICE_QUERIES.includes(f[1] as ServiceQuery)) throw bad('malformed service record');
        let s = plan.services.find((x) => x.name === f[0]);
        if (s === undefined) plan.services.push((s = { name: f[0]!, commands: {} }));
        s.commands[f[1] as ServiceQuery] = f.slice(2);
        break;
      }
      case 'sysctl':
        if (f.length !== 2 || !KEY.test(f[1]!)) throw bad('malformed sysctl record');
        plan.sysctls.push({ program: f[0]!, key: f[1]! });
        break;
      case 'probe':
        if (f.length < 2 || !NAME.test(f[0]!) || plan.probes.some((x) => x.id === f[0])) throw bad('malformed probe record');
        plan.probes.push({ id: f[0]!, words: f.slice(1), revert: { tolerant: true, words: [] } });
        break;
      case 'revert': {
        const p = plan.probes.find((x) => x.id === f[0]);
        if (p === undefined || p.revert.words.length > 0) throw bad('a revert without its probe');
        if (!['must', 'may'].includes(f[1]!) || f.length < 3) throw bad('malformed revert record');
        p.revert = { tolerant: f[1] === 'may', words: f.slice(2) };
        break;
      }
      case 'redo': {
        const p = plan.probes.find((x) => x.id === f[0]);
        if (p === undefined || p.redo !== undefined) throw bad('a redo without its probe');
        if (!['must', 'may'].includes(f[1]!) || f.length < 3) throw bad('malformed redo record');
        p.redo = { tolerant: f[1] === 'may', words: f.slice(2) };
        break;
      }
      case 'verify':
        if (Number(f[0]) !== plan.verify.length + 1 || f.length < 2) throw bad('malformed verify record');
        plan.verify.push({ words: f.slice(1), expect: [] });
        break;
      case 'expect':
        if (Number(f[0]) !== plan.verify.length) throw bad('expect without its verify');
        plan.verify[plan.verify.length - 1]!.expect.push(f.slice(1).join(' '));
        break;
      default:
        throw bad('unknown record');
    }
  });
  if (!version) throw new Error('plan: no lvsgen-plan line');
  return plan;
}
