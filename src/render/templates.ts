// Handlebars set up for config files: no HTML escaping (it corrupts config
// files), strict lookups (a missing field is a bug, not an empty string), and
// one typed quoting helper per target format. Templates never quote ad hoc.
//
// Each distro set gets its own engine (a Handlebars environment of its own):
// partials come from that set's _shared/templates, so two sets loaded side by
// side (the bundled distros and a test's, or LVSGEN_DISTROS) never see each
// other's partials, and nothing is registered on Handlebars itself.
import Handlebars from 'handlebars';
import type { DerivedHost } from '../derive/model.js';
import { firewalld, firewalldNat } from './kinds.js';

export type Template = (context: unknown) => string;

/** Value of an ldirectord.cf directive that must be double-quoted (request, receive, logfile ...). */
export function ldirectordQuote(value: string): string {
  // Validation rejects these; reaching here with one is an internal error.
  if (/["#\\\r\n\0]/.test(value)) throw new Error(`internal: value cannot be carried by ldirectord.cf: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

/**
 * ldirectord.cf `receive=`: ldirectord matches it as a Perl regular expression
 * (ldirectord.in, check_http and the other checks: `$res->content =~ /$recstr/`),
 * so `[OK]` would be a character class and `ok (` kills the daemon ("Unmatched (
 * in regex"). lvsgen's receive is literal text: every Perl metacharacter gets a
 * backslash (what Perl's quotemeta does for them), then the value is quoted.
 * The interpolated pattern is not interpolated again, and ldirectord's parser
 * keeps backslashes (it only strips from `#` and needs no `"`), so `\[` reaches
 * the regex as written.
 */
export function ldirectordRegex(value: string): string {
  if (/["#\r\n\0]/.test(value)) throw new Error(`internal: value cannot be carried by ldirectord.cf: ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}"`;
}

/**
 * A keepalived.conf string: double quotes keep `#`, `!`, braces and spaces
 * literal (keepalived's parser splits on whitespace and starts comments at `#`
 * and `!`); nothing escapes a `"` inside them, so validation keeps it out.
 */
export function keepalivedQuote(value: string): string {
  if (value === '' || /["\x00-\x1f\x7f]/.test(value)) throw new Error(`internal: value cannot be carried by keepalived.conf: ${JSON.stringify(value.replace(/./g, '*'))}`);
  return `"${value}"`;
}

/** A POSIX shell word: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * An address or a network (IPv4 or IPv6, with or without its /prefix) as part
 * of a plan id (`probe ID ...`: [a-z0-9_-]). install.sh keeps the state an item
 * had before lvsgen's first install under its id and reads it back at every
 * later install and at --uninstall, so an id must name its item (a route by
 * its network and gateway), not its position, and two items never share one:
 * the mapping is one to one ('.' -> '_', ':' -> 'x', '/' -> '-'; none of the
 * three results is a character of an address). lvsgen writes addresses in
 * lower case (IPv6: RFC 5952), so anything else here is an internal error.
 */
export function idAddress(value: string): string {
  if (!/^[0-9a-f.:]+(\/[0-9]{1,3})?$/.test(value) || !/[.:]/.test(value)) throw new Error(`internal: not an address for a plan id: ${JSON.stringify(value)}`);
  return value.replace(/[.:/]/g, (c) => (c === '.' ? '_' : c === ':' ? 'x' : '-'));
}

/**
 * An interface name (validation: letters, digits, '_', '.', '-') as part of a
 * plan id, one to one: lower-case letters, digits and '-' as they are, '_' as
 * '__', '.' as '_d', an upper-case letter as '_u' and the letter in lower case
 * (Linux names are case-sensitive); no code is the start of another, so two
 * names never give the same text. Anything else is an internal error.
 */
export function idInterface(value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new Error(`internal: not an interface name for a plan id: ${JSON.stringify(value)}`);
  return value.replace(/[_.A-Z]/g, (c) => (c === '_' ? '__' : c === '.' ? '_d' : `_u${c.toLowerCase()}`));
}

/** A route's plan id, the same on every distro: `route-eth0-10_1_4_0-24-via-10_1_3_1` (device, network, gateway; one to one). */
export function routeId(route: { device: string; networkCidr: string; via: string }): string {
  return `route-${idInterface(route.device)}-${idAddress(route.networkCidr)}-via-${idAddress(route.via)}`;
}

export interface TemplateEngine {
  /** Compiles `source` (once per distinct source in this engine); `name` labels its errors. */
  compile(source: string, name: string): Template;
  /** `{{> name}}` in this engine's templates. */
  registerPartial(name: string, source: string): void;
}

export function createTemplateEngine(): TemplateEngine {
  const hb = Handlebars.create();
  hb.registerHelper('ldq', (v: unknown) => ldirectordQuote(String(v)));
  hb.registerHelper('ldre', (v: unknown) => ldirectordRegex(String(v)));
  hb.registerHelper('sh', (v: unknown) => shellQuote(String(v)));
  hb.registerHelper('kaq', (v: unknown) => keepalivedQuote(String(v)));
  hb.registerHelper('idaddr', (v: unknown) => idAddress(String(v)));
  hb.registerHelper('idif', (v: unknown) => idInterface(String(v)));
  hb.registerHelper('routeid', (r: { device: string; networkCidr: string; via: string }) => routeId(r));
  // the host's firewalld policies (lvsgen-host.xml's, lvsgen-nat.xml's context), or nothing: for what --verify expects of the running firewalld
  hb.registerHelper('firewalldhost', (h: DerivedHost) => firewalld(h)[0]);
  hb.registerHelper('firewalldnat', (h: DerivedHost) => firewalldNat(h)[0]);
  hb.registerHelper('yesno', (v: unknown) => (v ? 'yes' : 'no'));
  hb.registerHelper('onoff', (v: unknown) => (v ? 'on' : 'off'));
  hb.registerHelper('octal', (v: unknown) => `0${Number(v).toString(8)}`);
  hb.registerHelper('upper', (v: unknown) => String(v).toUpperCase());
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // (and A B ...): every argument truthy (the last argument is Handlebars' options).
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('lines', (v: unknown) => String(v).split('\n'));

  // Compiled once per distinct source: distros share templates (install.sh,
  // ldirectord.cf ...) and many path and command templates are the same text,
  // and compiling is a good part of a small render's time.
  const compiledBySource = new Map<string, HandlebarsTemplateDelegate>();
  return {
    compile(source, name) {
      let compiled = compiledBySource.get(source);
      if (compiled === undefined) {
        compiled = hb.compile(source, { noEscape: true, strict: true });
        compiledBySource.set(source, compiled);
      }
      const run = compiled;
      return (context) => {
        try {
          return run(context);
        } catch (e) {
          throw new Error(`template ${name}: ${(e as Error).message}`);
        }
      };
    },
    registerPartial(name, source) {
      hb.registerPartial(name, source);
    },
  };
}

let standalone: TemplateEngine | undefined;

/**
 * A template outside any distro set (the packages' maintainer scripts): an
 * engine of its own, with the helpers and no partials.
 */
export function compileTemplate(source: string, name: string): Template {
  standalone ??= createTemplateEngine();
  return standalone.compile(source, name);
}
