// Firmware boot through the harness, the way an installed disk boots: no -kernel, GRUB on the
// disk. One GPT disk carries both boot paths (BIOS boot partition + ESP + ext4 root) and is
// booted twice: SeaBIOS -> GRUB i386-pc, and OVMF -> GRUB x86_64-efi (removable path
// EFI/BOOT/BOOTX64.EFI, fresh NVRAM). This is not the installer's GRUB setup, only proof that
// startVm({ firmware }) boots a disk and that the guest sees the firmware it should.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import path from "node:path";
import { startVm, type Vm } from "../support/qemu.js";
import {
  assembleGptDisk,
  consoleAutologin,
  injectFiles,
  makeExt4FromDir,
  makeFatImage,
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
    `  linux /boot/vmlinuz-${kernelVersion} root=LABEL=${label} rw console=ttyS0,115200 net.ifnames=0 init_on_alloc=0`,
    `  initrd /boot/initrd.img-${kernelVersion}`,
    "}",
    "",
  ].join("\n");
}

const BIOS_MODULES = [
  "biosdisk",
  "part_gpt",
  "ext2",
  "search",
  "search_label",
  "configfile",
  "normal",
  "linux",
  "serial",
  "terminal",
  "echo",
  "test",
];
const BOOT_IMG = "/usr/lib/grub/i386-pc/boot.img";

/**
 * Puts GRUB's i386-pc boot code on a raw disk image: boot.img's code into the MBR (bytes 0-439;
 * the disk signature and the protective partition table after it stay) pointing at core.img's
 * first sector, and core.img at `coreLba`, its diskboot blocklist pointing at its own second
 * sector. The same fields grub-bios-setup writes.
 */
async function installBiosGrub(disk: string, corePath: string, coreLba: number): Promise<void> {
  const boot = readFileSync(BOOT_IMG);
  const core = readFileSync(corePath);
  if (core.length > 1024 * 1024) throw new Error("core.img does not fit in the BIOS boot partition");
  boot.writeBigUInt64LE(BigInt(coreLba), 0x5c); // GRUB_BOOT_MACHINE_KERNEL_SECTOR
  core.writeBigUInt64LE(BigInt(coreLba + 1), 0x200 - 12); // diskboot blocklist: start sector
  const fh = await open(disk, "r+");
  try {
    await fh.write(boot, 0, 440, 0);
    await fh.write(core, 0, core.length, coreLba * 512);
  } finally {
    await fh.close();
  }
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

  // UEFI: one self-contained GRUB image whose embedded config finds the root and reads its
  // grub.cfg. $prefix stays on the image's memdisk, where all modules are (set it to the root
  // filesystem and GRUB looks for x86_64-efi/*.mod there and stops at a grub> prompt).
  const stub = path.join(work, "stub.cfg");
  writeFileSync(
    stub,
    `search --no-floppy --label ${label} --set=root\nconfigfile ($root)/boot/grub/grub.cfg\n`,
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
  const [biosPart] = await assembleGptDisk(disk, 2 * GiB + 70 * MiB, [
    { name: "bios", sizeBytes: MiB, type: PartType.biosBoot },
    { name: "esp", sizeBytes: 64 * MiB, type: PartType.esp, content: esp },
    { name: "root", content: rootImg },
  ]);
  await rm(rootImg);
  if (!biosPart) throw new Error("no BIOS boot partition");

  // BIOS: what grub-bios-setup does, by hand, because grub-install cannot map loop-device
  // partitions to GRUB drives ("cannot find a GRUB drive for /dev/loop0p3"). core.img (with
  // diskboot.img in front) goes into the BIOS boot partition, boot.img's code into the MBR.
  const core = path.join(work, "core.img");
  await execa("grub-mkimage", ["-O", "i386-pc", "-o", core, "-c", stub, "-p", "/boot/grub", ...BIOS_MODULES]);
  await installBiosGrub(disk, core, biosPart.startBytes / 512);
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
