// Disks for the clone tests and the benchmark: node A's disk as the installer lays it out (GPT, BIOS
// boot, ESP, OS ext4, data) on a loop device over a sparse file, with realistic contents, and empty
// target disks. Everything lives under a temp directory the caller owns and removes with cleanup().
// Run directly (`tsx test/system/clone-fixture.ts DIR`) to build a source disk for scripts/bench-clone.sh.
import { execa } from "execa";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import YAML from "yaml";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { partitionLayout, sfdiskScript } from "../../src/render/storage.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
export const DATA_MARKER = "PAIRBOOT-TEST-DATA-MARKER-0123456789";

export async function sh(script: string, env: Record<string, string> = {}): Promise<string> {
  const r = await execa("bash", ["-euo", "pipefail", "-c", script], {
    env: { LC_ALL: "C", ...env },
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`script failed (${r.exitCode}): ${script}\n${r.stderr}`);
  return r.stdout;
}

export class LoopDisks {
  readonly loops: string[] = [];
  readonly mounts: string[] = [];
  constructor(readonly dir: string) {}

  static async create(): Promise<LoopDisks> {
    return new LoopDisks(await mkdtemp(join(tmpdir(), "pairboot-clone-test-")));
  }

  /** A sparse file of `bytes` attached to a loop device with partition scanning. */
  async disk(name: string, bytes: number): Promise<string> {
    const file = join(this.dir, name);
    await sh(`truncate -s ${bytes} ${file}`);
    const dev = (await sh(`losetup -f --show -P ${file}`)).trim();
    this.loops.push(dev);
    return dev;
  }

  async mount(dev: string, opts = ""): Promise<string> {
    const mnt = await mkdtemp(join(this.dir, "mnt-"));
    await sh(`mount ${opts} ${dev} ${mnt}`);
    this.mounts.push(mnt);
    return mnt;
  }

  async umount(mnt: string): Promise<void> {
    await sh(`umount ${mnt}`);
    this.mounts.splice(this.mounts.indexOf(mnt), 1);
  }

  async cleanup(): Promise<void> {
    for (const m of this.mounts.reverse()) await execa("umount", ["-l", m], { reject: false });
    for (const l of this.loops) await execa("losetup", ["-d", l], { reject: false });
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function part(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

/** The answer file (with the cluster secrets) node A's disk was made with, as node B's stick holds it. */
export function sourceAnswer(disks: LoopDisks): string {
  return join(disks.dir, "node-a-answer.yaml");
}

/** Node A's disk: the installer's layout with a 5 GiB OS partition filled like an installed system. */
export async function makeSourceDisk(
  disks: LoopDisks,
  sizeBytes = 7 * GiB,
  payload = "full",
): Promise<string> {
  const dev = await disks.disk("node-a.img", sizeBytes);
  const layout = partitionLayout({ storage: { os_size: 5 * GiB } } as ClusterSpec);
  await execa("sfdisk", ["--quiet", dev], { input: sfdiskScript(layout) });
  await sh(`partx -u ${dev} || true; for i in 1 2 3 4; do test -b ${part(dev, 4)} && break; sleep 0.2; done`);
  await sh(`mkfs.vfat -F 32 -n PBESP ${part(dev, 2)} >/dev/null`);

  // The host kernel has no vfat module: mtools writes the ESP without mounting it.
  await sh(`e=${part(dev, 2)}; head -c ${3 * MiB} /dev/urandom > ${disks.dir}/bootx64.efi
    mmd -i $e ::/EFI ::/EFI/BOOT ::/EFI/debian
    mcopy -i $e ${disks.dir}/bootx64.efi ::/EFI/BOOT/BOOTX64.EFI
    printf 'search --fs-uuid --set=root 1234\\nconfigfile /boot/grub/grub.cfg\\n' > ${disks.dir}/grub.cfg
    mcopy -i $e ${disks.dir}/grub.cfg ::/EFI/debian/grub.cfg`);

  // The OS tree is built in a staging directory and written by mkfs.ext4 -d, never mounted: on a shared
  // host a mount can be copied into another process's mount namespace, which then keeps the filesystem
  // "in use" (unclean) after our umount, and partclone refuses it.
  const os = join(disks.dir, "os-tree");
  await sh(`mkdir -p ${os}`);
  const big = payload === "full";
  await sh(`cd ${os}
    mkdir -p etc/pairboot usr/share var/lib/heartbeat var/lib/dbus etc/ssh home/user data
    echo node-a > etc/pairboot/node; echo node-a > etc/hostname
    echo 0123456789abcdef0123456789abcdef > etc/machine-id; cp etc/machine-id var/lib/dbus/machine-id
    echo 7a9f-hb-uuid > var/lib/heartbeat/hb_uuid
    ssh-keygen -q -t ed25519 -N '' -C root@node-a -f etc/ssh/ssh_host_ed25519_key
    cp -a /usr/share/doc usr/share/doc
    ${big ? "cp -a /usr/share/man usr/share/man; cp -a /usr/lib/python3.11 usr/python3.11" : ""}
    head -c ${big ? 40 * MiB : 4 * MiB} /dev/urandom > home/user/random.bin
    ln home/user/random.bin home/user/random-hardlink.bin
    ln -s ../home/user/random.bin etc/random-symlink
    ln -s /nonexistent/target etc/dangling-symlink
    ln -s /run/pairboot-clone-test-escape etc/resolv.conf
    setfattr -n user.pairboot -v "clone me" home/user/random.bin
    setfattr -n trusted.pairboot -v "root only" etc/hostname
    setfacl -m u:1234:rw etc/pairboot/node
    truncate -s 2G home/user/sparse.img
    printf 'sparse-start' | dd of=home/user/sparse.img conv=notrunc status=none
    printf 'sparse-middle' | dd of=home/user/sparse.img bs=1M seek=1000 conv=notrunc status=none
    mkfifo home/user/fifo; mknod home/user/null c 1 3
    chown -R 1000:1000 home/user; chmod 4755 home/user/random-hardlink.bin; chmod 1777 data
    touch -d '2001-02-03 04:05:06' etc/hostname`);
  // What node A's install leaves: the answer file with its generated secrets (clone receive's default).
  const seed = YAML.parse(
    await readFile(new URL("../../examples/seed.yaml", import.meta.url), "utf8"),
  ) as Record<string, Record<string, unknown>>;
  seed.drbd = { ...(seed.drbd ?? {}), shared_secret: "TestDrbdSecret0123456789" };
  seed.heartbeat = { ...(seed.heartbeat ?? {}), authkey: "TestHeartbeatKey0123456789" };
  await writeFile(join(os, "etc/pairboot/answer.yaml"), YAML.stringify(seed), { mode: 0o600 });
  // The same answer as node B's stick holds it: what opens node A's image files.
  await writeFile(sourceAnswer(disks), YAML.stringify(seed), { mode: 0o600 });
  await sh(`mkfs.ext4 -q -F -L pairboot-os -d ${os} ${part(dev, 3)} && rm -rf ${os}`);
  // The data partition holds a marker at its start, in the middle and at its end (where DRBD keeps
  // its metadata): none of it may reach node B.
  await sh(`d=${part(dev, 4)}; size=$(blockdev --getsize64 $d)
    for off in 0 $((size / 2)) $((size - 1048576)); do
      (yes ${DATA_MARKER} || true) | head -c 1048576 | dd of=$d bs=1M seek=$off oflag=seek_bytes conv=notrunc,fsync status=none
    done`);
  return dev;
}

/**
 * A description of a filesystem tree that changes when any name, type, mode, owner, link count, inode
 * number (block-level clones keep them), size, content, symlink target or xattr (ACLs included) differs.
 */
export async function treeFingerprint(dev: string, disks: LoopDisks): Promise<string> {
  const mnt = await mkdtemp(join(disks.dir, "fp-"));
  // unshare -m: the read-only mount exists only for this shell, so it cannot leak into other namespaces.
  const script = `mount -o ro ${dev} ${mnt} && cd ${mnt}
      find . -xdev -printf '%p %y %m %U:%G links=%n ino=%i size=%s target=%l mtime=%T@\\n' | sort
      find . -xdev -type f -print0 | sort -z | xargs -0 sha256sum
      getfattr -R -h -d -m - --absolute-names . 2>/dev/null | sort`;
  const r = await execa(
    "unshare",
    ["-m", "--propagation", "private", "bash", "-euo", "pipefail", "-c", script],
    {
      env: { LC_ALL: "C" },
      reject: false,
    },
  );
  await rm(mnt, { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`fingerprint of ${dev} failed: ${r.stderr}`);
  return r.stdout;
}

/** A file's content from an unmounted ext4 filesystem (mounted read-only in a private namespace), or null. */
export async function readFsFile(dev: string, path: string, disks: LoopDisks): Promise<string | null> {
  const mnt = await mkdtemp(join(disks.dir, "rd-"));
  const r = await execa(
    "unshare",
    ["-m", "--propagation", "private", "bash", "-c", `mount -o ro ${dev} ${mnt} && cat ${join(mnt, path)}`],
    { reject: false, encoding: "latin1", stripFinalNewline: false },
  );
  await rm(mnt, { recursive: true, force: true });
  return r.exitCode === 0 ? r.stdout : null;
}

/** The ESP's files and their contents, read with mtools. */
export async function espFingerprint(dev: string): Promise<string> {
  return sh(
    `mdir -i ${dev} -/ -a -b :: | sort; for f in ::/EFI/BOOT/BOOTX64.EFI ::/EFI/debian/grub.cfg; do mtype -i ${dev} $f | sha256sum; done`,
  );
}

export async function sha256Of(dev: string): Promise<string> {
  return (await sh(`sha256sum < ${dev}`)).split(" ")[0] ?? "";
}

if (process.argv[1]?.endsWith("clone-fixture.ts")) {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: tsx test/system/clone-fixture.ts DIR  (prints the loop device)");
  const disks = new LoopDisks(dir);
  const dev = await makeSourceDisk(disks);
  await writeFile(join(dir, "source-device"), `${dev}\n`);
  console.log(dev);
}

/** Network namespaces made by a test, wired with veth pairs; removed (after killing what runs inside) by cleanup(). */
export class Netns {
  readonly names: string[] = [];
  private readonly tag = `${process.pid % 10000}${Math.floor(Math.random() * 900 + 100)}`;

  async add(short: string): Promise<string> {
    const name = `pbcl${short}${this.tag}`;
    await sh(`ip netns add ${name} && ip -n ${name} link set lo up`);
    this.names.push(name);
    return name;
  }

  /** A veth pair between two namespaces with an address on each end. */
  async link(a: string, addrA: string, b: string, addrB: string): Promise<void> {
    const i = this.names.length + Math.floor(Math.random() * 1000);
    const va = `pbv${i}a`;
    const vb = `pbv${i}b`;
    await sh(`ip link add ${va} netns ${a} type veth peer name ${vb} netns ${b}
      ip -n ${a} addr add ${addrA} dev ${va} && ip -n ${a} link set ${va} up
      ip -n ${b} addr add ${addrB} dev ${vb} && ip -n ${b} link set ${vb} up`);
  }

  /** Kills every process inside one namespace, by PID (a power cut for that "node"). */
  async killAll(ns: string): Promise<void> {
    const pids = (await sh(`ip netns pids ${ns} || true`)).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone already
      }
    }
  }

  async cleanup(): Promise<void> {
    for (const ns of this.names) {
      await this.killAll(ns);
      await execa("ip", ["netns", "del", ns], { reject: false });
    }
  }
}
