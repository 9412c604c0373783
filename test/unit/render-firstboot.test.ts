import { describe, expect, it } from "vitest";
import { FIRSTBOOT_SCRIPT, render } from "../../src/render/firstboot.js";
import { shippedExample } from "../support/fixtures.js";

const seed = shippedExample("seed");
const [nodeA, nodeB] = seed.nodes as [(typeof seed.nodes)[0], (typeof seed.nodes)[0]];

function file(path: string, node = nodeA) {
  const f = render(seed, node).files.find((x) => x.path === path);
  if (!f) throw new Error(`${path} not rendered`);
  return f;
}

describe("first boot bring-up", () => {
  it("is the same on both nodes: the script decides by uname -n which node seeds", () => {
    expect(render(seed, nodeA)).toEqual(render(seed, nodeB));
    expect(file(FIRSTBOOT_SCRIPT).content).toContain(`PREFERRED=${nodeA.name}\n`);
  });

  it("creates DRBD metadata before drbd.service and seeds before heartbeat.service", () => {
    const prepare = file("/etc/systemd/system/pairboot-firstboot-prepare.service").content;
    const seedUnit = file("/etc/systemd/system/pairboot-firstboot-seed.service").content;
    expect(prepare).toMatch(/^Before=drbd\.service heartbeat\.service$/m);
    expect(seedUnit).toMatch(/^After=drbd\.service/m);
    expect(seedUnit).toMatch(/^Before=heartbeat\.service$/m);
    expect(render(seed, nodeA).enable).toEqual([
      "pairboot-firstboot-prepare.service",
      "pairboot-firstboot-seed.service",
    ]);
  });

  it("skips the initial full sync only in the both-sides-new branch, and never formats over existing data", () => {
    const s = file(FIRSTBOOT_SCRIPT).content;
    const branch = /^ {4}seed-new-pair\)\n([\s\S]*?)\n {6};;$/m.exec(s)?.[1] ?? "";
    expect(branch).toContain('if [ "$(drbdadm dstate "$RES")" = Inconsistent/Inconsistent ]; then');
    expect(branch).toContain("drbdadm new-current-uuid --clear-bitmap");
    expect(s.match(/new-current-uuid/g)).toHaveLength(1);
    expect(s).toContain("refusing to create DRBD metadata");
    expect(file(FIRSTBOOT_SCRIPT).mode).toBe(0o755);
  });

  it("forces Primary only in the seed-alone branch, and makes a filesystem only where it seeds", () => {
    const s = file(FIRSTBOOT_SCRIPT).content;
    expect(s.match(/primary --force/g)).toHaveLength(1);
    expect(/^ {4}seed-alone\)\n[\s\S]*?drbdadm primary --force "\$RES"/m.test(s)).toBe(true);
    expect(s.match(/seed_filesystem$/gm)).toHaveLength(2); // seed-new-pair and seed-alone
    expect(s).toMatch(/^ {4}follow-new-pair\|join-replacement\|rejoin\)\n {6}wait_uptodate\n {6};;$/m);
  });

  it("waits without limit before Heartbeat: the seed unit has no start timeout", () => {
    const seedUnit = file("/etc/systemd/system/pairboot-firstboot-seed.service").content;
    expect(seedUnit).toMatch(/^TimeoutStartSec=infinity$/m);
  });

  it("makes the replicated filesystem without a discard, which would fill DRBD's activity log", () => {
    // A whole-device discard puts every extent into the activity log; after a crash of the primary DRBD
    // then marks the whole device out of sync (seen in the lab: a full resync on rejoin).
    expect(file(FIRSTBOOT_SCRIPT).content).toContain("mkfs.ext4 -q -E nodiscard -L pairboot-data");
    // seed is already parsed (durations in ms), so it is edited, not parsed again.
    const xfs = { ...seed, storage: { ...seed.storage, data_fs: "xfs" as const } };
    const x = render(xfs, nodeA).files.find((f) => f.path === FIRSTBOOT_SCRIPT)?.content ?? "";
    expect(x).toContain("mkfs.xfs -q -K -L pairboot-data");
  });

  it("creates every export directory on the replicated filesystem", () => {
    expect(file(FIRSTBOOT_SCRIPT).content).toContain(
      `EXPORT_DIRS=(${seed.nfs.exports.map((e) => `"${e.path}"`).join(" ")})`,
    );
  });
});
