// Firmware boot through the harness, the way an installed disk boots: no -kernel, GRUB on the
// disk. One GPT disk carries both boot paths (BIOS boot partition + ESP + ext4 root) and is
// booted twice: SeaBIOS -> GRUB i386-pc, and OVMF -> GRUB x86_64-efi (removable path
// EFI/BOOT/BOOTX64.EFI, fresh NVRAM). This is not the installer's GRUB setup, only proof that
// startVm({ firmware }) boots a disk and that the guest sees the firmware it should.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { startVm, type Vm } from "../support/qemu.js";
import {
  assembleGptDisk,
  consoleAutologin,
  injectFiles,
  makeExt4FromDir,
  makeFatImage,
  withLoop,
  withMount,
  GiB,
  MiB,
  PartType,
} from "../support/images.js";
import { ensureRootfs, repoRoot, type Rootfs } from "../support/rootfs.js";

const work = path.join(repoRoot, ".cache", `vm-firmware-${process.pid}`);
const logDir = path.join(repoRoot, ".cache", "logs", "vm-firmware");
const label = "fwtest-root";

let rootfs: Rootfs | undefined;
let skipReason: string | undefined;
let disk = "";
const vms: Vm[] = [];
const log = (s: string) => console.log(`[vm-firmware] ${s}`);

function grubCfg(kernelVersion: string): string {
  return [
    "serial --unit=0 --speed=115200",
    "terminal_input serial console",
    "terminal_output serial console",
    "set timeout=0",
    `search --no-floppy --label ${label} --set=root`,
    `menuentry "fwtest" {`,
    `  linux /boot/vmlinuz-${kernelVersion} root=LABEL=${label} rw console=ttyS0,115200 net.ifnames=0`,
    `  initrd /boot/initrd.img-${kernelVersion}`,
    "}",
    "",
  ].join("\n");
}

beforeAll(async () => {
  const r = await ensureRootfs({ log });
  if ("skip" in r) {
    skipReason = r.skip;
    return;
  }
  rootfs = r;
  mkdirSync(work, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const t0 = Date.now();

  const rootImg = path.join(work, "root.ext4");
  await makeExt4FromDir({ dir: r.dir, image: rootImg, sizeBytes: 2 * GiB, label });
  const masked = [
    "heartbeat.service",
    "logd.service",
    "nfs-server.service",
    "rpcbind.service",
    "rpcbind.socket",
    "ssh.service",
    "chrony.service",
    "e2scrub_reap.service",
  ];
  const autologin = consoleAutologin();
  await injectFiles(
    rootImg,
    [
      { path: "/etc/hostname", content: "fwtest\n" },
      ...autologin.files,
      { path: "/boot/grub/grub.cfg", content: grubCfg(r.kernelVersion) },
    ],
    [
      ...autologin.symlinks,
      ...masked.map((u) => ({ path: `/etc/systemd/system/${u}`, target: "/dev/null" })),
    ],
  );

  // UEFI: one self-contained GRUB image whose embedded config finds the root and reads its grub.cfg.
  const stub = path.join(work, "stub.cfg");
  writeFileSync(
    stub,
    `search --no-floppy --label ${label} --set=root\nset prefix=($root)/boot/grub\nconfigfile ($root)/boot/grub/grub.cfg\n`,
  );
  const efi = path.join(work, "BOOTX64.EFI");
  await execa("grub-mkstandalone", [
    "-O",
    "x86_64-efi",
    "-o",
    efi,
    "--modules=part_gpt ext2 search serial",
    "--locales=",
    "--themes=",
    "--fonts=",
    `boot/grub/grub.cfg=${stub}`,
  ]);
  const esp = path.join(work, "esp.vfat");
  await makeFatImage(esp, 64 * MiB, { "/EFI/BOOT/BOOTX64.EFI": efi });

  disk = path.join(work, "disk.raw");
  await assembleGptDisk(disk, 2 * GiB + 70 * MiB, [
    { name: "bios", sizeBytes: MiB, type: PartType.biosBoot },
    { name: "esp", sizeBytes: 64 * MiB, type: PartType.esp, content: esp },
    { name: "root", content: rootImg },
  ]);
  await rm(rootImg);

  // BIOS: the rootfs's own grub-install (host and rootfs are both bookworm) on a loop device,
  // core.img into the BIOS boot partition, modules into the root filesystem's /boot/grub.
  const grubInstall = path.join(r.dir, "usr/sbin/grub-install");
  await withLoop(disk, async (loop) => {
    const rootPart = loop.partitions[2];
    if (!rootPart) throw new Error(`no partition 3 on ${loop.dev}: ${loop.partitions.join(" ")}`);
    await withMount(rootPart, async (mnt) => {
      await execa(grubInstall, [
        "--target=i386-pc",
        `--directory=${path.join(r.dir, "usr/lib/grub/i386-pc")}`,
        `--boot-directory=${path.join(mnt, "boot")}`,
        "--modules=part_gpt ext2",
        loop.dev,
      ]);
    });
  });
  log(`firmware test disk built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, 1_500_000);

afterAll(async () => {
  for (const vm of vms) await vm.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe("firmware boot through GRUB on the disk", () => {
  for (const firmware of ["bios", "uefi"] as const) {
    it(`boots with ${firmware === "bios" ? "SeaBIOS" : "OVMF"} and the guest sees ${firmware} firmware`, async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      if (!rootfs) throw new Error("setup failed");
      const vm = await startVm({ name: `fw-${firmware}`, disk, firmware, memoryMiB: 768, logDir });
      vms.push(vm);
      await vm.console.shell({ timeoutMs: 540_000 });
      log(`${firmware}: boot to root shell ${((Date.now() - vm.startedAt) / 1000).toFixed(1)} s`);
      expect((await vm.console.run("uname -r")).out).toBe(rootfs.kernelVersion);
      const efi = await vm.console.run("test -d /sys/firmware/efi");
      expect(efi.rc).toBe(firmware === "uefi" ? 0 : 1);
      await vm.powerOff();
    });
  }
});
