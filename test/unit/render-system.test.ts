import { describe, expect, it } from "vitest";
import { render } from "../../src/render/system.js";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { seed } from "../support/fixtures.js";

function files(spec: ClusterSpec, nodeIndex = 0) {
  const node = spec.nodes[nodeIndex];
  if (!node) throw new Error("no such node");
  const family = render(spec, node);
  const byPath = new Map(family.files.map((f) => [f.path, f]));
  const text = (path: string) => {
    const f = byPath.get(path);
    if (!f) throw new Error(`${path} not rendered`);
    return f.content;
  };
  return { family, byPath, text, node };
}

/** hosts(5) lines as [address, ...names], comments and blanks dropped. */
function hostsEntries(text: string): string[][] {
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "")
    .map((l) => l.split(/\s+/));
}

describe("system renderer", () => {
  it("names the node in /etc/hostname, /etc/mailname and /etc/pairboot/node", () => {
    const spec = seed();
    for (const [i, n] of spec.nodes.entries()) {
      const { text } = files(spec, i);
      expect(text("/etc/hostname")).toBe(`${n.name}\n`);
      expect(text("/etc/pairboot/node")).toBe(`${n.name}\n`);
      expect(text("/etc/mailname")).toBe(`${n.name}.${spec.cluster.domain}\n`);
    }
  });

  it("lists both nodes, their replication names and the service name in /etc/hosts, the same on both", () => {
    const spec = seed();
    const a = files(spec, 0).text("/etc/hosts");
    expect(files(spec, 1).text("/etc/hosts")).toBe(a);
    const entries = hostsEntries(a);
    const lookup = (name: string) => entries.filter((e) => e.slice(1).includes(name)).map((e) => e[0]);
    for (const n of spec.nodes) {
      expect(lookup(n.name)).toEqual([n.lan.split("/")[0]]);
      expect(lookup(`${n.name}.${spec.cluster.domain}`)).toEqual([n.lan.split("/")[0]]);
      expect(lookup(`${n.name}-repl`)).toEqual([n.repl.split("/")[0]]);
    }
    expect(lookup(spec.cluster.name)).toEqual([spec.service.ip.split("/")[0]]);
    expect(lookup("localhost")).toEqual(["127.0.0.1", "::1"]);
    // hosts(5): the canonical (fully qualified) name comes first.
    const rowA = entries.find((e) => e.includes(spec.nodes[0]!.name));
    expect(rowA?.[1]).toBe(`${spec.nodes[0]!.name}.${spec.cluster.domain}`);
  });

  it("uses short names only when the cluster has no domain", () => {
    const spec = seed((d) => {
      delete d.cluster.domain;
    });
    const { text } = files(spec);
    expect(text("/etc/mailname")).toBe(`${spec.nodes[0]!.name}\n`);
    expect(text("/etc/hosts")).not.toContain("example.org");
    expect(text("/etc/resolv.conf")).not.toMatch(/^search/m);
  });

  it("writes the DNS servers and search domain to /etc/resolv.conf", () => {
    const spec = seed((d) => {
      d.network.dns = ["192.0.2.53", "198.51.100.53"];
    });
    const conf = files(spec).text("/etc/resolv.conf");
    const directives = conf.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(directives).toEqual(["search example.org", "nameserver 192.0.2.53", "nameserver 198.51.100.53"]);
  });

  it("splits a keyboard layout with a variant and writes locale and timezone", () => {
    const spec = seed((d) => {
      d.locale = { lang: "de_DE.UTF-8", timezone: "Europe/Berlin", keyboard: "de(nodeadkeys)" };
    });
    const { text, family } = files(spec);
    expect(text("/etc/default/keyboard")).toMatch(/^XKBLAYOUT="de"$/m);
    expect(text("/etc/default/keyboard")).toMatch(/^XKBVARIANT="nodeadkeys"$/m);
    expect(text("/etc/default/locale")).toBe("LANG=de_DE.UTF-8\n");
    expect(text("/etc/timezone")).toBe("Europe/Berlin\n");
    expect(
      family.chrootCommands?.some((c) =>
        c.endsWith("ln -sf /usr/share/zoneinfo/Europe/Berlin /etc/localtime"),
      ),
    ).toBe(true);
    expect(family.chrootCommands).toContain("locale-gen");
  });

  it("generates no locale for C.UTF-8, which glibc has built in", () => {
    const { family, text } = files(seed());
    expect(text("/etc/default/keyboard")).toMatch(/^XKBVARIANT=""$/m);
    expect(family.chrootCommands?.some((c) => c.includes("locale-gen"))).toBe(false);
  });

  it("writes authorized_keys with mode 0600 only when keys are given", () => {
    expect(files(seed()).byPath.has("/root/.ssh/authorized_keys")).toBe(false);
    const keys = [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample one@host",
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB two@host",
    ];
    const f = files(seed((d) => (d.access.ssh_authorized_keys = keys))).byPath.get(
      "/root/.ssh/authorized_keys",
    );
    expect(f?.mode).toBe(0o600);
    expect(f?.content.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(keys);
  });

  it("enables ssh", () => {
    expect(files(seed()).family.enable).toContain("ssh.service");
  });
});
