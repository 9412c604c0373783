import { describe, expect, it } from "vitest";
import { CHRONY_MAIN_PATH, render } from "../../src/render/time.js";
import { DEFAULT_RELEASE } from "../../src/render/release.js";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { seed } from "../support/fixtures.js";

function directives(spec: ClusterSpec, nodeIndex: number): string[] {
  const family = render(spec, spec.nodes[nodeIndex]!, DEFAULT_RELEASE);
  const conf = family.files.find((f) => f.path === "/etc/chrony/conf.d/pairboot.conf");
  if (!conf) throw new Error("no chrony conf.d file");
  return conf.content.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

describe("time renderer", () => {
  it("peers each node with the other node's replication address", () => {
    const spec = seed();
    const [a, b] = spec.nodes;
    expect(directives(spec, 0).filter((l) => l.startsWith("peer "))).toEqual([
      `peer ${b!.repl.split("/")[0]} iburst`,
    ]);
    expect(directives(spec, 1).filter((l) => l.startsWith("peer "))).toEqual([
      `peer ${a!.repl.split("/")[0]} iburst`,
    ]);
  });

  it("follows the upstream servers, keeps an orphan reference and serves the replication subnet", () => {
    const spec = seed((d) => (d.time.servers = ["192.0.2.123", "ntp1.example.org", "2.debian.pool.ntp.org"]));
    const lines = directives(spec, 0);
    expect(lines).toContain("server 192.0.2.123 iburst");
    expect(lines).toContain("server ntp1.example.org iburst");
    expect(lines).toContain("pool 2.debian.pool.ntp.org iburst");
    expect(lines).toContain("local stratum 10 orphan");
    expect(lines).toContain("allow 10.0.0.0/30");
    expect(lines.some((l) => l.startsWith("makestep "))).toBe(true);
  });

  it("has no upstream source at all when no servers are given", () => {
    const lines = directives(
      seed((d) => (d.time.servers = [])),
      0,
    );
    expect(lines.filter((l) => /^(server|pool) /.test(l))).toEqual([]);
    expect(lines).toContain("local stratum 10 orphan");
  });

  it("drops Debian's default internet pool from the main config and includes conf.d", () => {
    const spec = seed();
    const main = render(spec, spec.nodes[0]!, DEFAULT_RELEASE).files.find((f) => f.path === CHRONY_MAIN_PATH);
    expect(main?.content).toMatch(/^confdir \/etc\/chrony\/conf\.d$/m);
    expect(main?.content).not.toMatch(/^(pool|server) /m);
  });
});
