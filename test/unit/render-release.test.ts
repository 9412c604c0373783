// What differs between the Debian releases pairboot renders for (src/render/release.ts), where the release
// comes from (the install source's os-release, or --release), and the NFS settings that depend on it.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { formatAnswerError, loadAnswerText } from "../../src/answer/load.js";
import { releaseOfSource } from "../../src/apply/source.js";
import { resolveRelease } from "../../src/cli/plan.js";
import { renderNode } from "../../src/render/index.js";
import * as nfs from "../../src/render/nfs.js";
import {
  DEFAULT_RELEASE,
  RELEASES,
  RELEASE_TRAITS,
  parseRelease,
  releaseFromOsRelease,
  type Release,
} from "../../src/render/release.js";
import { CHRONY_DROPIN_PATH, CHRONY_MAIN_PATH } from "../../src/render/time.js";
import { exampleText, seed } from "../support/fixtures.js";

const haveSquashfs =
  (await execa("mksquashfs", ["-version"], { reject: false }).catch(() => null))?.exitCode === 0;
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pairboot-release-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A root tree whose os-release says `codename` (as Debian lays it out: /etc/os-release is a link). */
async function rootWith(name: string, osRelease: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, "usr/lib"), { recursive: true });
  await mkdir(join(root, "etc"), { recursive: true });
  await writeFile(join(root, "usr/lib/os-release"), osRelease);
  await execa("ln", ["-s", "../usr/lib/os-release", join(root, "etc/os-release")]);
  return root;
}

function fileOf(release: Release, path: string): string | undefined {
  return renderNode(seed(), "node-a", release).files.find((f) => f.path === path)?.content;
}

function confLines(text: string | undefined): string[] {
  return (text ?? "").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

describe("the release table", () => {
  it("trixie is the default release", () => {
    expect(DEFAULT_RELEASE).toBe("trixie");
    expect(RELEASES).toEqual(["bookworm", "trixie"]);
  });

  it("an unknown release is refused naming where it came from and the releases allowed", () => {
    expect(() => parseRelease("sid", "--release")).toThrow(
      '--release: pairboot renders for Debian 12 bookworm or 13 trixie, got "sid"',
    );
  });

  it("VERSION_CODENAME is read quoted or bare; a file without one is refused naming the file", () => {
    expect(releaseFromOsRelease('NAME="Debian"\nVERSION_CODENAME=trixie\n', "f")).toBe("trixie");
    expect(releaseFromOsRelease("VERSION_CODENAME='bookworm'\n", "f")).toBe("bookworm");
    expect(() => releaseFromOsRelease('NAME="Debian"\n', "/src/etc/os-release")).toThrow(
      "/src/etc/os-release: no VERSION_CODENAME, so the Debian release to render for is unknown",
    );
    expect(() => releaseFromOsRelease("VERSION_CODENAME=forky\n", "/src/etc/os-release")).toThrow(
      '/src/etc/os-release: VERSION_CODENAME: pairboot renders for Debian 12 bookworm or 13 trixie, got "forky"',
    );
  });
});

describe("the release of an install source", () => {
  it("a directory's release is read from its os-release, through the /etc/os-release link", async () => {
    const root = await rootWith(
      "dir-trixie",
      'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\n',
    );
    expect(await releaseOfSource({ kind: "dir", path: root })).toBe("trixie");
  });

  it("a directory of a release pairboot does not render for is refused, naming the file", async () => {
    const root = await rootWith("dir-sid", "VERSION_CODENAME=sid\n");
    await expect(releaseOfSource({ kind: "dir", path: root })).rejects.toThrow(
      `${root}/etc/os-release: VERSION_CODENAME: pairboot renders for Debian 12 bookworm or 13 trixie, got "sid"`,
    );
  });

  it("a directory without an os-release is refused", async () => {
    const root = join(dir, "empty");
    await mkdir(root, { recursive: true });
    await expect(releaseOfSource({ kind: "dir", path: root })).rejects.toThrow(
      `${root}: no /etc/os-release or /usr/lib/os-release, so the Debian release to render for is unknown`,
    );
  });

  it.skipIf(!haveSquashfs)("a squashfs image's release is read with unsquashfs", async () => {
    const root = await rootWith("sq-bookworm", "VERSION_CODENAME=bookworm\n");
    const image = join(dir, "bookworm.squashfs");
    await execa("mksquashfs", [root, image, "-noappend", "-quiet"]);
    expect(await releaseOfSource({ kind: "squashfs", path: image })).toBe("bookworm");
  });

  it("--release applies without a source; a source decides, and a --release against it is refused", async () => {
    expect(await resolveRelease(undefined, null)).toBe("trixie");
    expect(await resolveRelease("bookworm", null)).toBe("bookworm");
    await expect(resolveRelease("buster", null)).rejects.toThrow(/--release: .*got "buster"/);
    const root = await rootWith("cli-trixie", "VERSION_CODENAME=trixie\n");
    expect(await resolveRelease(undefined, { kind: "dir", path: root })).toBe("trixie");
    await expect(resolveRelease("bookworm", { kind: "dir", path: root })).rejects.toThrow(
      `--release bookworm contradicts the source: ${root} is Debian trixie`,
    );
  });
});

describe("NFS server settings per release", () => {
  it("trixie: nfs.conf.d sets threads, lease, grace and the server scope, and there is no UTS drop-in", () => {
    const spec = seed();
    expect(confLines(fileOf("trixie", nfs.NFS_CONF_PATH))).toEqual([
      "[nfsd]",
      "threads=16",
      "lease-time=15",
      "grace-time=15",
      `scope=${spec.nfs.scope}`,
    ]);
    expect(fileOf("trixie", nfs.SCOPE_DROPIN_PATH)).toBeUndefined();
  });

  it("bookworm: nfs.conf.d sets threads, lease and grace; the scope comes from the UTS drop-in", () => {
    expect(confLines(fileOf("bookworm", nfs.NFS_CONF_PATH))).toEqual([
      "[nfsd]",
      "threads=16",
      "lease-time=15",
      "grace-time=15",
    ]);
    expect(fileOf("bookworm", nfs.SCOPE_DROPIN_PATH)).toContain(`hostname ${seed().nfs.scope} && exec`);
  });

  it("lockd's NLM grace follows grace_time: a multiple of nlm_timeout, at most 240 s", () => {
    expect(confLines(fileOf("trixie", nfs.LOCKD_CONF_PATH))).toEqual([
      "options lockd nlm_grace_period=15 nlm_timeout=5",
    ]);
    expect([15, 17, 20, 90, 600].map(nfs.nlmGraceSeconds)).toEqual([15, 20, 20, 90, 240]);
    const long = seed((d) => Object.assign(d.nfs, { lease_time: 600, grace_time: 900 }));
    const conf = renderNode(long, "node-a").files.find((f) => f.path === nfs.LOCKD_CONF_PATH)?.content;
    expect(confLines(conf)).toEqual(["options lockd nlm_grace_period=240 nlm_timeout=5"]);
  });

  it("the answer's threads, lease and grace reach nfs.conf.d", () => {
    const spec = seed((d) => Object.assign(d.nfs, { threads: 4, lease_time: 20, grace_time: 45 }));
    const conf = renderNode(spec, "node-b").files.find((f) => f.path === nfs.NFS_CONF_PATH)?.content;
    expect(confLines(conf).slice(1, 4)).toEqual(["threads=4", "lease-time=20", "grace-time=45"]);
  });
});

describe("the NFS answer keys", () => {
  function errorsFor(nfsKeys: Record<string, unknown>): string[] {
    const doc = YAML.parse(exampleText("seed"));
    Object.assign(doc.nfs, nfsKeys);
    const r = loadAnswerText(YAML.stringify(doc), "a.yaml");
    return r.ok ? [] : r.errors.map(formatAnswerError).map((e) => e.replace(/^a\.yaml:\d+:\d+: /, ""));
  }

  it("grace_time below lease_time is refused at grace_time, naming both values", () => {
    expect(errorsFor({ lease_time: 30, grace_time: 20 })).toEqual([
      "nfs.grace_time: expected at least nfs.lease_time (30): a client that only renews its lease must still find the grace period open after a takeover, got 20",
    ]);
  });

  it("lease and grace outside the kernel's 10..3600 s are refused with the bounds", () => {
    expect(errorsFor({ lease_time: 9, grace_time: 3601 })).toEqual([
      "nfs.lease_time: expected a lease time in whole seconds from 10 to 3600 (the kernel's bounds), got 9",
      "nfs.grace_time: expected a grace time in whole seconds from 10 to 3600 (the kernel's bounds), got 3601",
    ]);
    expect(errorsFor({ threads: 0 })).toEqual([
      "nfs.threads: expected a whole number of nfsd threads from 1 to 1024, got 0",
    ]);
  });

  it("defaults: 16 threads, a 15 s lease and a 15 s grace period", () => {
    expect(seed().nfs).toMatchObject({ threads: 16, lease_time: 15, grace_time: 15 });
  });
});

describe("every release", () => {
  // Installed through ucf by nfs-common, nfs-kernel-server, chrony and openssh-server (both releases): an
  // edit there turns the next upgrade into a question at the console, or is overwritten.
  const UCF_FILES = [
    "/etc/nfs.conf",
    "/etc/exports",
    "/etc/idmapd.conf",
    "/etc/default/nfs-common",
    "/etc/default/nfs-kernel-server",
    "/etc/chrony/chrony.conf",
    "/etc/chrony/chrony.keys",
    "/etc/ssh/sshd_config",
  ];

  it.each(RELEASES)("%s: no rendered file is one a package installs through ucf", (release) => {
    for (const node of ["node-a", "node-b"]) {
      const paths = renderNode(seed(), node, release).files.map((f) => f.path);
      expect(paths.filter((p) => UCF_FILES.includes(p))).toEqual([]);
    }
  });

  it.each(RELEASES)(
    "%s: dopd's set-uid helpers are overridden at the paths dpkg knows them by",
    (release) => {
      const cmds = renderNode(seed(), "node-a", release).chrootCommands.filter((c) =>
        c.includes("statoverride"),
      );
      expect(cmds.map((c) => c.split(" ").at(-1))).toEqual([...RELEASE_TRAITS[release].dopdHelpers]);
    },
  );

  it("chrony reads pairboot's main config through a drop-in, with each release's leap second source", () => {
    for (const release of RELEASES) {
      expect(fileOf(release, CHRONY_DROPIN_PATH)).toContain(
        `ExecStart=!/usr/sbin/chronyd $DAEMON_OPTS -f ${CHRONY_MAIN_PATH}`,
      );
      expect(confLines(fileOf(release, CHRONY_MAIN_PATH))).toContain(
        RELEASE_TRAITS[release].chronyLeapSeconds,
      );
    }
    expect(RELEASE_TRAITS.trixie.chronyLeapSeconds).toMatch(/^leapseclist /);
    expect(RELEASE_TRAITS.bookworm.chronyLeapSeconds).toBe("leapsectz right/UTC");
  });
});
