// The Debian releases pairboot renders for, and everything that differs between them, in one table.
// A renderer never tests a release name itself: it reads the trait it needs from RELEASE_TRAITS, so a
// difference between bookworm and trixie is named once, here, and a reviewer sees all of them together.
// Checked against the real packages: bookworm on this host, trixie in its root filesystem
// (../shared/research/turn2-anchors.md §1.2; test/system/render-tools.test.ts runs each release's tools).

export const RELEASES = ["bookworm", "trixie"] as const;
export type Release = (typeof RELEASES)[number];

/** What pairboot renders for when nothing says otherwise (no install source to ask, no --release). */
export const DEFAULT_RELEASE: Release = "trixie";

export interface ReleaseTraits {
  /** Debian's version number, for messages. */
  version: number;
  /**
   * How nfsd gets the NFSv4 server scope both nodes share. "nfs.conf": trixie's nfsdctl (and rpc.nfsd
   * 2.8) read `[nfsd] scope=`. "uts-namespace": bookworm's rpc.nfsd 2.6.2 has no scope option and takes
   * the UTS nodename, so a drop-in starts it under the cluster's name in its own UTS namespace (a drop-in
   * that replaces ExecStart would also bypass trixie's `nfsdctl autostart`).
   */
  nfsScope: "nfs.conf" | "uts-namespace";
  /**
   * drbd-utils' set-uid helpers dopd needs, at the paths dpkg records for them (dpkg-statoverride matches
   * dpkg's own path names): bookworm's package ships /lib and /sbin, trixie's moved to /usr (merged /usr).
   */
  dopdHelpers: readonly string[];
  /**
   * chrony's leap second source. trixie moved the right/ zones to tzdata-legacy and its chrony (4.6)
   * reads the IERS list instead; bookworm's chrony 4.3 has no leapseclist directive.
   */
  chronyLeapSeconds: string;
}

export const RELEASE_TRAITS: Record<Release, ReleaseTraits> = {
  bookworm: {
    version: 12,
    nfsScope: "uts-namespace",
    dopdHelpers: ["/lib/drbd/drbdsetup-84", "/sbin/drbdmeta"],
    chronyLeapSeconds: "leapsectz right/UTC",
  },
  trixie: {
    version: 13,
    nfsScope: "nfs.conf",
    dopdHelpers: ["/usr/lib/drbd/drbdsetup-84", "/usr/sbin/drbdmeta"],
    chronyLeapSeconds: "leapseclist /usr/share/zoneinfo/leap-seconds.list",
  },
};

export function isRelease(text: string): text is Release {
  return (RELEASES as readonly string[]).includes(text);
}

/** The release named by `text`, or a clear error that says where it came from and what is allowed. */
export function parseRelease(text: string, where: string): Release {
  if (isRelease(text)) return text;
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
  throw new Error(
    `${where}: pairboot renders for Debian ${RELEASES.map((r) => `${RELEASE_TRAITS[r].version} ${r}`).join(" or ")}, got ${shown}`,
  );
}

/** VERSION_CODENAME from os-release(5) text (quotes allowed), or undefined when the file has none. */
export function codenameOf(osRelease: string): string | undefined {
  for (const line of osRelease.split("\n")) {
    const m = /^VERSION_CODENAME=(["']?)([^"'\s]*)\1\s*$/.exec(line.trim());
    if (m) return m[2];
  }
  return undefined;
}

/** The release an os-release file describes; `where` names the file in the error. */
export function releaseFromOsRelease(osRelease: string, where: string): Release {
  const codename = codenameOf(osRelease);
  if (codename === undefined || codename === "") {
    throw new Error(`${where}: no VERSION_CODENAME, so the Debian release to render for is unknown`);
  }
  return parseRelease(codename, `${where}: VERSION_CODENAME`);
}
