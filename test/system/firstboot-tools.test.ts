// The first-boot script and units, checked by the tools that will run them: shellcheck for the script and
// systemd-analyze verify for the units, against the host's own drbd.service and heartbeat.service units.
// Then the script's seed phase run for real in an overlay sandbox (test/support/netns.ts) on a loop device
// standing at /dev/drbd0 (real mkfs, blkid, mount), with a stand-in drbdadm in place of the DRBD module
// this host lacks: it answers cstate, dstate and get-gi from state files the test changes, as the peer would,
// enforces DRBD's rule that only UpToDate data is promoted without --force, and records every call.
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ClusterSpecSchema } from "../../src/answer/schema.js";
import { FIRSTBOOT_SCRIPT, GO_ALONE_FILE, render } from "../../src/render/firstboot.js";
import { createSandbox, removeSandbox, startInSandbox, type Sandbox } from "../support/netns.js";

const work = mkdtempSync(join(tmpdir(), "pairboot-firstboot-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeTree(root: string, files: { path: string; content: string; mode: number }[]) {
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content, { mode: f.mode });
  }
}

// Runs systemd-analyze verify with the rendered script bind-mounted at its real path, in a private mount
// namespace so the host's /usr/local/sbin is never touched.
async function verifyUnits(root: string) {
  const units = join(root, "etc/systemd/system");
  const cmd = [
    `mount --bind ${join(root, "usr/local/sbin")} /usr/local/sbin`,
    `SYSTEMD_UNIT_PATH=${units}:/lib/systemd/system systemd-analyze verify ${units}/pairboot-firstboot-*.service`,
  ].join(" && ");
  return execa("unshare", ["-m", "--propagation", "private", "sh", "-c", cmd], { reject: false });
}

const examples = readdirSync(new URL("../../examples/", import.meta.url)).filter((f) => f.endsWith(".yaml"));

describe.each(examples)("first boot files of examples/%s", (example) => {
  const text = readFileSync(new URL(`../../examples/${example}`, import.meta.url), "utf8");
  const spec = ClusterSpecSchema.parse(parse(text));
  const root = join(work, example);
  writeTree(root, render(spec, spec.nodes[0]!).files);

  it("the script passes shellcheck", async () => {
    const r = await execa("shellcheck", ["-s", "bash", join(root, FIRSTBOOT_SCRIPT)], { reject: false });
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it("the units pass systemd-analyze verify", async () => {
    const r = await verifyUnits(root);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });
});

describe("the unit check itself", () => {
  it("fails a unit whose program is missing, so a pass above means something", async () => {
    const root = join(work, "broken");
    writeTree(root, [
      { path: "/usr/local/sbin/.keep", content: "", mode: 0o644 },
      {
        path: "/etc/systemd/system/pairboot-firstboot-prepare.service",
        content: "[Service]\nType=oneshot\nExecStart=/usr/local/sbin/pairboot-firstboot prepare\n",
        mode: 0o644,
      },
    ]);
    const r = await verifyUnits(root);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("is not executable");
  });
});

// The stand-in drbdadm: DRBD's answers for one resource from /var/lib/standin-drbd (bound from the test's
// temp dir, so the test plays the peer), every call appended to calls.log.
const DRBDADM = `#!/bin/bash
S=/var/lib/standin-drbd
echo "$*" >> $S/calls.log
cmd=$1; shift
case "$cmd" in
  up|secondary|adjust) exit 0 ;;
  cstate) cat $S/cstate ;;
  dstate) cat $S/dstate ;;
  get-gi) cat $S/gi ;;
  new-current-uuid)
    [ "$(cat $S/cstate)/$(cat $S/dstate)" = Connected/Inconsistent/Inconsistent ] || { echo "not just created" >&2; exit 10; }
    echo UpToDate/UpToDate > $S/dstate; echo 8C1F3A2B4D5E6F71:0000000000000000:0000000000000000:0000000000000000:1:1:0:1:0:0:0 > $S/gi ;;
  primary)
    if [ "$1" = --force ]; then echo "UpToDate/$(cut -d/ -f2 $S/dstate)" > $S/dstate
    elif [ "$(cut -d/ -f1 $S/dstate)" != UpToDate ]; then echo "State change failed: (-2) Need access to UpToDate data" >&2; exit 17; fi ;;
  *) echo "stand-in drbdadm: unexpected $cmd" >&2; exit 20 ;;
esac
`;

const seedSpec = ClusterSpecSchema.parse(
  parse(readFileSync(new URL("../../examples/seed.yaml", import.meta.url), "utf8")),
);

interface Boot {
  sb: Sandbox;
  state: string;
  pbState: string;
  loop: string;
  proc: ReturnType<typeof startInSandbox>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the seed phase as `node` with DRBD in the given state; /dev/drbd0 is a fresh blank loop device. */
async function bootSeed(tag: string, node: string, drbd: { cstate: string; dstate: string; gi: string }) {
  const sb = await createSandbox(`fb-${tag}`);
  const state = join(sb.dir, "standin-drbd");
  const pbState = join(sb.dir, "pairboot-state");
  mkdirSync(state);
  mkdirSync(pbState);
  for (const [k, v] of Object.entries(drbd)) writeFileSync(join(state, k), `${v}\n`);
  writeFileSync(join(state, "calls.log"), "");
  writeTree(sb.upper, render(seedSpec, seedSpec.nodes[0]!).files);
  writeTree(sb.upper, [{ path: "/usr/sbin/drbdadm", content: DRBDADM, mode: 0o755 }]);
  const image = join(sb.dir, "drbd0.img");
  writeFileSync(image, "");
  await execa("truncate", ["-s", "64M", image]);
  const loop = (await execa("losetup", ["--find", "--show", image])).stdout.trim();
  const { stdout: majmin } = await execa("stat", ["-L", "-c", "%t %T", loop]);
  const [maj, min] = majmin.split(" ").map((h) => parseInt(h, 16));
  // A private /dev inside the sandbox's own mount namespace: the host's /dev is not touched.
  const inner = [
    "mount -t tmpfs tmpfs /dev",
    "mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/urandom c 1 9",
    "ln -s /proc/self/fd /dev/fd",
    `mknod -m 660 ${seedSpec.drbd.device} b ${maj} ${min}`,
    `bash ${FIRSTBOOT_SCRIPT} seed; echo "seed exited $?"`,
  ].join("\n");
  const proc = startInSandbox(sb, inner, {
    hostname: node,
    binds: [
      { src: state, dst: "/var/lib/standin-drbd" },
      { src: pbState, dst: "/var/lib/pairboot" },
    ],
  });
  return { sb, state, pbState, loop, proc } satisfies Boot;
}

async function endBoot(b: Boot): Promise<string> {
  b.proc.kill("SIGKILL");
  const r = await b.proc;
  await execa("losetup", ["-d", b.loop], { reject: false });
  await removeSandbox(b.sb);
  return String(r.all ?? "");
}

const calls = (b: Boot) => readFileSync(join(b.state, "calls.log"), "utf8").trim().split("\n");
const fsLabel = async (b: Boot) =>
  (await execa("blkid", ["-p", "-o", "value", "-s", "LABEL", b.loop], { reject: false })).stdout.trim();

async function waitFor(what: string, ms: number, cond: () => boolean | Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return Date.now() - t0;
    await sleep(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

const JUST_CREATED = "0000000000000004:0000000000000000:0000000000000000:0000000000000000:0:0:0:0:0:0:0";
const HAS_DATA = "5E4FEE87DCF17DD9:0000000000000000:2BADA09D82F6021C:2BACA09D82F6021C:1:1:0:1:0:0:0";
const done = (b: Boot) => existsSync(join(b.pbState, "firstboot.done"));

describe("the first boot's seed phase on DRBD stand-ins (real bash, mkfs, blkid and mount on a loop device)", () => {
  it("new pair on the preferred node: skips the initial sync, promotes without --force, makes the filesystem", async () => {
    const b = await bootSeed("new", "node-a", {
      cstate: "Connected",
      dstate: "Inconsistent/Inconsistent",
      gi: JUST_CREATED,
    });
    try {
      const ms = await waitFor("firstboot.done", 60_000, () => done(b));
      console.log(`[new pair] seeded in ${ms} ms`);
      expect(calls(b)).toEqual(
        expect.arrayContaining(["new-current-uuid --clear-bitmap r0", "primary r0", "secondary r0"]),
      );
      expect(calls(b)).not.toContain("primary --force r0");
      expect(await fsLabel(b)).toBe("pairboot-data");
    } finally {
      const out = await endBoot(b);
      expect(out).toContain("decision: seed-new-pair (facts: preferred up new new wait)");
    }
  });

  it("replacement of the preferred node (blank disk, peer UpToDate, SyncTarget): waits through the full sync, never mkfs, never Primary", async () => {
    const b = await bootSeed("replace", "node-a", {
      cstate: "SyncTarget",
      dstate: "Inconsistent/UpToDate",
      gi: JUST_CREATED,
    });
    let out = "";
    try {
      // Well past the old 600 s wait's role: the script must still be waiting, having created nothing.
      await sleep(6000);
      expect(done(b)).toBe(false);
      expect(calls(b).filter((c) => /^(primary|new-current-uuid)/.test(c))).toEqual([]);
      expect(await fsLabel(b)).toBe("");
      // The peer finishes the sync.
      writeFileSync(join(b.state, "cstate"), "Connected\n");
      writeFileSync(join(b.state, "dstate"), "UpToDate/UpToDate\n");
      const ms = await waitFor("firstboot.done after UpToDate", 30_000, () => done(b));
      console.log(`[replacement] done ${ms} ms after UpToDate`);
      expect(calls(b).filter((c) => /^(primary|new-current-uuid|secondary)/.test(c))).toEqual([]);
      expect(await fsLabel(b)).toBe("");
    } finally {
      out = await endBoot(b);
    }
    expect(out).toContain("decision: join-replacement (facts: preferred up new data wait)");
    expect(out).toContain("waiting for UpToDate data: SyncTarget Inconsistent/UpToDate");
  });

  it("rejoin with data on both sides creates nothing", async () => {
    const b = await bootSeed("rejoin", "node-b", {
      cstate: "Connected",
      dstate: "UpToDate/UpToDate",
      gi: HAS_DATA,
    });
    try {
      await waitFor("firstboot.done", 30_000, () => done(b));
      expect(calls(b).filter((c) => /^(primary|new-current-uuid)/.test(c))).toEqual([]);
      expect(await fsLabel(b)).toBe("");
    } finally {
      expect(await endBoot(b)).toContain("decision: rejoin (facts: other up data data wait)");
    }
  });

  it("peer missing on a new preferred node: waits, Primary never forced, until the user touches go-alone", async () => {
    const b = await bootSeed("alone", "node-a", {
      cstate: "WFConnection",
      dstate: "Inconsistent/DUnknown",
      gi: JUST_CREATED,
    });
    let out = "";
    try {
      await sleep(5000);
      expect(done(b)).toBe(false);
      expect(calls(b).filter((c) => /^primary/.test(c))).toEqual([]);
      writeFileSync(join(b.pbState, GO_ALONE_FILE.split("/").at(-1) as string), "");
      await waitFor("firstboot.done after go-alone", 30_000, () => done(b));
      expect(calls(b)).toContain("primary --force r0");
      expect(await fsLabel(b)).toBe("pairboot-data");
    } finally {
      out = await endBoot(b);
    }
    expect(out).toContain(
      "waiting for the peer (0 s; facts: preferred down new unknown wait); Heartbeat stays stopped.",
    );
    expect(out).toContain("decision: seed-alone (facts: preferred down new unknown alone)");
  });
});
