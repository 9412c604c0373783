// A whole install of node A through the wizard, ending at the engine boundary: the engine must receive the
// spec the user entered and the disk whose name was typed, and the answer file must be saved first.
import { readFileSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadAnswerFile } from "../../src/answer/load.js";
import { planNode } from "../../src/plan/plan.js";
import { checkDraft } from "../../src/tui/model/draft.js";
import { KEY, fixture, openVt, type Vt, seedAnswer } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

/** Start -> disk sda -> NIC roles ens3, ens4 (bond) and ens5 (replication). */
async function throughDiskAndNics(): Promise<void> {
  await vt.press(KEY.enter); // Install node A
  await vt.press(KEY.enter); // sda, the first disk
  await vt.press(KEY.space, KEY.down, KEY.space, KEY.down, KEY.space);
}

describe("installing node A", () => {
  it("walks every screen and hands the engine the entered spec and the confirmed disk", async () => {
    vt = await openVt();
    await throughDiskAndNics();
    let screen = await vt.text();
    expect(screen).toMatch(/lan0\s+ens3\s+52:54:00:00:0a:01\s+up/);
    expect(screen).toMatch(/lan1\s+ens4\s+52:54:00:00:0a:02/);
    expect(screen).toMatch(/repl0\s+ens5\s+52:54:00:00:0a:03/);

    await vt.fill("nodeALan", "192.168.42.1/24");
    await vt.fill("nodeBLan", "192.168.42.2/24");
    await vt.fill("nodeBMac0", "52:54:00:00:0b:01");
    await vt.fill("nodeBMac1", "52:54:00:00:0b:02");
    await vt.fill("nodeBMacRepl", "52:54:00:00:0b:03");
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("step 3 of 5: cluster");

    await vt.fill("clusterName", "nfs7");
    await vt.fill("domain", "example.org");
    await vt.fill("serviceIp", "192.168.42.42/24");
    await vt.fill("gateway", "192.168.42.254");
    await vt.fill("dns", "192.168.42.254");
    await vt.fill("exportClients", "192.168.42.0/24");
    await vt.fill("timeServers", "192.168.42.254, ntp.example.org");
    await vt.fill("sshKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample admin@rack");
    await vt.fill("password", "hunter22");
    await vt.fill("password2", "hunter22");
    screen = await vt.text();
    expect(screen).toMatch(/Root password again\s+\[\*{8}\s/);
    expect(screen).not.toContain("hunter22");
    await vt.tabTo("next");
    await vt.press(KEY.enter);

    screen = await vt.text();
    expect(screen).toContain("step 4 of 5: review");
    expect(screen).toMatch(/Node A "node-a" on \/dev\/sda \(QEMU HARDDISK, 20\.0 GiB\)/);
    expect(screen).toMatch(/3\s+pairboot-os\s+5\.0 GiB\s+Debian, ext4, \//);
    expect(screen).toMatch(/4\s+pairboot-data\s+14\.\d GiB\s+DRBD r0/);
    expect(screen).toContain("/etc/drbd.d/global_common.conf");

    // A secret file in the pager: its content is shown, the secret is not.
    const drbdIndex = (await vt.lines()).findIndex((l) => l.includes("/etc/drbd.d/global_common.conf"));
    const firstFile = (await vt.lines()).findIndex((l) => /^\S?\s+\/etc\//.test(l.slice(1)));
    expect(drbdIndex).toBeGreaterThan(0);
    for (let i = firstFile; i < drbdIndex; i++) await vt.press(KEY.down);
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("/etc/drbd.d/global_common.conf  mode 0640");
    expect(screen).toContain("-- lines 1-17 of");
    await vt.press(KEY.pageDown);
    screen = await vt.text();
    expect(screen).toContain("-- lines 18-34 of");
    expect(screen).toContain('shared-secret "********"');
    expect(screen).not.toContain("test-secret-");
    await vt.press(KEY.esc);

    await vt.press(KEY.end, KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("step 5 of 5: confirm");
    expect(screen).toContain("ALL DATA ON /dev/sda WILL BE ERASED");

    // Anything but the disk's name erases nothing.
    await vt.type("sdb");
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain('"sdb" is not "sda": nothing was erased');
    expect(vt.engine.calls).toHaveLength(0);

    await vt.type("sda");
    await vt.press(KEY.enter);
    screen = await vt.until((t) => t.includes("finished"));
    expect(screen).toContain("Demo finished: nothing was written to any disk.");
    expect(screen).toContain('Boot node B from the stick and choose "Receive a clone as node B"');

    expect(vt.engine.calls).toHaveLength(1);
    const call = vt.engine.calls?.[0];
    expect(call?.opts.diskPath).toBe("/dev/sda");
    expect(call?.opts.nodeName).toBe("node-a");
    expect(call?.opts.confirmWipe).toBe(true);
    const spec = call!.spec;
    expect(spec.cluster).toEqual({ name: "nfs7", domain: "example.org" });
    expect(spec.nodes[0]).toMatchObject({
      name: "node-a",
      disk: { serial: "QM00001" },
      nics: { lan0: "52:54:00:00:0a:01", lan1: "52:54:00:00:0a:02", repl0: "52:54:00:00:0a:03" },
      lan: "192.168.42.1/24",
      repl: "10.0.0.1/30",
    });
    expect(spec.nodes[1]).toMatchObject({
      name: "node-b",
      lan: "192.168.42.2/24",
      nics: { lan0: "52:54:00:00:0b:01" },
    });
    expect(spec.service.ip).toBe("192.168.42.42/24");
    expect(spec.time.servers).toEqual(["192.168.42.254", "ntp.example.org"]);
    expect(spec.access.root_password_hash).toBe(`$6$testsalt$${Buffer.from("hunter22").toString("hex")}`);

    // The engine's planner, given what the wizard handed over, picks the same disk on this machine.
    const planned = planNode(spec, call!.opts.nodeName, fixture("node-a"), {
      source: { kind: "dir", path: "/run/live/rootfs/filesystem.squashfs" },
      disk: call!.opts.diskPath,
      answerPath: call!.opts.answerPath,
    });
    expect(planned.ok ? planned.plan.disk.path : planned.message).toBe("/dev/sda");

    // The answer was saved before the engine ran, privately, and replays to the same spec.
    const saved = call!.opts.answerPath;
    expect(screen).toContain(saved.slice(0, 30));
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    const replay = await loadAnswerFile(saved);
    expect(replay.ok).toBe(true);
    if (replay.ok) expect(replay.spec).toEqual(spec);
    expect(readFileSync(saved, "utf8")).toContain("shared_secret: test-secret-");
  });

  it("lists on the review every file the engine's plan writes, and opens each one in the pager", async () => {
    vt = await openVt({ answer: { path: "examples/seed.yaml", object: await seedAnswer() } });
    await vt.press(KEY.enter, KEY.enter); // start, disk (pre-selected)
    await vt.tabTo("next");
    await vt.press(KEY.enter); // network
    await vt.tabTo("next");
    await vt.press(KEY.enter); // cluster
    expect(await vt.text()).toContain("step 4 of 5: review");
    const state = vt.handle.state();
    const checked = checkDraft(state.draft, state.facts);
    if (!checked.validation.ok) throw new Error("the pre-filled answer does not validate");
    const planned = planNode(checked.validation.spec, "node-a", fixture("node-a"), {
      source: { kind: "dir", path: "/run/live/rootfs/filesystem.squashfs" },
      disk: "/dev/sda",
      answerPath: "/tmp/answer.yaml",
    });
    if (!planned.ok) throw new Error(planned.message);
    // Sorted by path (byte order), as the review lists them.
    const files = planned.plan.steps
      .flatMap((s) => s.files)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const paths = files.map((f) => f.path);
    expect(paths.length).toBeGreaterThan(20);
    expect(await vt.text()).toContain(`Files written on node A (${paths.length})`);
    for (const [i, path] of paths.entries()) {
      // The cursor starts on the first file; Down walks the list.
      if (i > 0) await vt.press(KEY.down);
      await vt.press(KEY.enter);
      const screen = await vt.text();
      const file = files[i];
      expect(screen, path).toContain(` ${path}  mode ${file?.mode.toString(8).padStart(4, "0")}`);
      expect(screen).toMatch(/-- lines 1-\d+ of \d+ --/);
      const first = (file?.content.split("\n").find((l) => l.trim() !== "") ?? "")
        .slice(0, 60)
        .replace(/\t/g, "    ");
      if (!file?.secret) expect(screen, path).toContain(first);
      await vt.press(KEY.esc);
    }
    // And the answer file itself, secrets masked.
    await vt.press(KEY.down, KEY.enter);
    const screen = await vt.text();
    expect(screen).toContain("The answer file (secrets masked)");
    expect(screen).not.toContain("test-secret-");
  });

  it("leaves through q on the done screen with the answer path as the outcome", async () => {
    vt = await openVt({
      answer: { path: "examples/seed.yaml", object: await seedAnswer() },
    });
    await vt.press(KEY.enter, KEY.enter); // start, disk (pre-selected)
    await vt.tabTo("next");
    await vt.press(KEY.enter); // network
    await vt.fill("sshKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample admin@rack");
    await vt.tabTo("next");
    await vt.press(KEY.enter); // cluster
    await vt.press(KEY.end, KEY.enter);
    await vt.type("sda");
    await vt.press(KEY.enter);
    await vt.until((t) => t.includes("finished"));
    await vt.press("q");
    const outcome = await vt.handle.outcome;
    expect(outcome).toMatchObject({ kind: "finished", ok: true });
  });
});
