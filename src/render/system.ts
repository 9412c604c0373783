// The node's name, name resolution, locale and root access. Only /etc/hostname, /etc/mailname and
// /etc/pairboot/node carry the node's identity; /etc/hosts lists both nodes the same way on each, so the
// two nodes resolve each other identically.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { addressOf } from "../answer/ipv4.js";
import { MANAGED, file, lines } from "./text.js";
import type { RenderFamily } from "./types.js";

function fqdn(spec: ClusterSpec, name: string): string {
  return spec.cluster.domain ? `${name}.${spec.cluster.domain}` : name;
}

/** "name.domain name" when a domain is given (canonical name first, as hosts(5) wants), else "name". */
function hostNames(spec: ClusterSpec, name: string): string {
  return spec.cluster.domain ? `${fqdn(spec, name)} ${name}` : name;
}

export function hosts(spec: ClusterSpec): string {
  const row = (address: string, names: string) => `${address.padEnd(15)} ${names}`;
  return lines(
    MANAGED,
    row("127.0.0.1", "localhost"),
    row("::1", "localhost ip6-localhost ip6-loopback"),
    row("ff02::1", "ip6-allnodes"),
    row("ff02::2", "ip6-allrouters"),
    "",
    "# the two nodes on the LAN (bond)",
    spec.nodes.map((n) => row(addressOf(n.lan), hostNames(spec, n.name))),
    "# the two nodes on the replication link",
    spec.nodes.map((n) => row(addressOf(n.repl), `${n.name}-repl`)),
    "# the service address, which follows the active node",
    row(addressOf(spec.service.ip), hostNames(spec, spec.cluster.name)),
  );
}

function resolvConf(spec: ClusterSpec): string {
  return lines(
    MANAGED,
    spec.cluster.domain ? `search ${spec.cluster.domain}` : undefined,
    spec.network.dns.map((ip) => `nameserver ${ip}`),
  );
}

/** "de(nodeadkeys)" -> layout "de", variant "nodeadkeys". */
function keyboard(spec: ClusterSpec): string {
  const m = /^([a-z]+)(?:\(([^)]*)\))?$/.exec(spec.locale.keyboard);
  const layout = m?.[1] ?? spec.locale.keyboard;
  const variant = m?.[2] ?? "";
  return lines(
    MANAGED,
    'XKBMODEL="pc105"',
    `XKBLAYOUT="${layout}"`,
    `XKBVARIANT="${variant}"`,
    'XKBOPTIONS=""',
    'BACKSPACE="guess"',
  );
}

/** Locales built into glibc need no generation; any other must be compiled in the installed root. */
function localeCommands(lang: string): string[] {
  if (/^(C|POSIX|C\.UTF-8|C\.utf8)$/.test(lang)) return [];
  // Take the locale's line from glibc's list of supported locales, so the charset is right for locales
  // like "de_DE" (ISO-8859-1) too; grep fails (and so the install step) for a locale glibc does not know.
  const pattern = lang.replace(/\./g, "\\.");
  return [`grep -E '^${pattern} ' /usr/share/i18n/SUPPORTED > /etc/locale.gen`, "locale-gen"];
}

export function render(spec: ClusterSpec, node: NodeSpec): RenderFamily {
  const keys = spec.access.ssh_authorized_keys;
  const { lang, timezone } = spec.locale;
  return {
    files: [
      file("/etc/hostname", lines(node.name)),
      file("/etc/hosts", hosts(spec)),
      file("/etc/mailname", lines(fqdn(spec, node.name))),
      file("/etc/resolv.conf", resolvConf(spec)),
      file("/etc/default/locale", lines(`LANG=${lang}`)),
      file("/etc/timezone", lines(timezone)),
      file("/etc/default/keyboard", keyboard(spec)),
      ...(keys.length > 0 ? [file("/root/.ssh/authorized_keys", lines(MANAGED, keys), 0o600)] : []),
      file("/etc/pairboot/node", lines(node.name)),
    ],
    enable: ["ssh.service"],
    chrootCommands: [
      // /etc/localtime is a symlink, which a rendered file cannot express; tzdata reads the link. The
      // test makes an unknown zone fail the step instead of leaving a dangling link (and UTC).
      `test -f /usr/share/zoneinfo/${timezone} && ln -sf /usr/share/zoneinfo/${timezone} /etc/localtime`,
      ...localeCommands(lang),
    ],
  };
}
