// UEFI Secure Boot refuses an EFI binary no trusted key signed (issue 13, item 6), so the Secure Boot checks
// elsewhere (iso.test.ts, the lab) can fail. A GRUB built here with grub-mkimage (unsigned, like the image the
// install wrote before it copied the signed chain) sits alone on a small FAT disk at the removable-media path
// \EFI\BOOT\BOOTX64.EFI. OVMF without Secure Boot starts it and it prints its line; OVMF with Secure Boot
// enforced and Microsoft's keys enrolled refuses it and says so on the console. No Linux: about a minute.
import { execa } from "execa";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNED_EFI_FILES, SIGNED_GRUB_CONFIG } from "../../src/plan/plan.js";
import { startVm, type Firmware, type Vm } from "../support/qemu.js";
import { rootfsDir } from "../support/rootfs.js";

const repo = path.resolve(import.meta.dirname, "../..");
const logDir = path.join(repo, ".cache/logs/secureboot");
const MARK = "pairboot: unsigned GRUB is running";
const ROOTFS = rootfsDir;
const ready =
  existsSync("/usr/bin/qemu-system-x86_64") &&
  existsSync("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd") &&
  existsSync("/usr/lib/grub/x86_64-efi/normal.mod");

describe.skipIf(!ready)("UEFI Secure Boot in QEMU", () => {
  let tmp = "";
  let disk = "";
  const vms: Vm[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "pb-sb-"));
    const cfg = path.join(tmp, "early.cfg");
    writeFileSync(cfg, `echo "${MARK}"\nsleep 600\n`);
    const efi = path.join(tmp, "BOOTX64.EFI");
    await execa("grub-mkimage", [
      "-O",
      "x86_64-efi",
      "-o",
      efi,
      "-c",
      cfg,
      "-p",
      "/boot/grub",
      "echo",
      "sleep",
    ]);
    // No partition table: UEFI reads a whole-disk FAT filesystem as well (mtools, no mount, no loop device).
    disk = path.join(tmp, "unsigned.img");
    await execa("mkfs.fat", ["-C", "-n", "UNSIGNED", disk, "8192"]);
    const env = { MTOOLS_SKIP_CHECK: "1" };
    await execa("mmd", ["-i", disk, "::/EFI", "::/EFI/BOOT"], { env });
    await execa("mcopy", ["-i", disk, efi, "::/EFI/BOOT/BOOTX64.EFI"], { env });
  });

  afterAll(async () => {
    for (const vm of vms) await vm.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function bootUnsigned(firmware: Firmware): Promise<Vm> {
    const vm = await startVm({
      name: `unsigned-${firmware}`,
      firmware,
      memoryMiB: 256,
      logDir,
      disks: [{ path: disk, format: "raw", bootIndex: 0, readOnly: true }],
    });
    vms.push(vm);
    return vm;
  }

  it("an unsigned GRUB starts under UEFI without Secure Boot (the image itself is bootable)", async () => {
    const vm = await bootUnsigned("uefi");
    await vm.console.waitFor(new RegExp(MARK), 180_000);
    await vm.powerOff();
  });

  it("the same unsigned GRUB is refused under UEFI with Secure Boot enforced: OVMF says Access Denied and it never runs", async () => {
    const vm = await bootUnsigned("uefi-secure");
    const refused = await vm.console.waitFor(/BdsDxe: failed to load (Boot\d+) .*: Access Denied/, 180_000);
    // OVMF goes on to its next boot option (its built-in shell, unsigned too) and ends up with nothing to boot.
    await vm.console.waitFor(/BdsDxe: No bootable option or device was found/, 120_000);
    await vm.powerOff();
    expect(refused[1]).toMatch(/^Boot\d+$/);
    expect(vm.console.tail(1_000_000)).not.toContain(MARK);
  });

  it.skipIf(!existsSync(path.join(ROOTFS, "usr/lib/shim/shimx64.efi.signed")))(
    "the ESP an install writes (shim as BOOTX64.EFI, Debian's signed grubx64.efi, EFI/debian/grub.cfg) boots under Secure Boot to the OS filesystem's grub.cfg, found by UUID",
    async () => {
      // A disk like an installed node's, without Linux: an ESP written as the install writes it (the same
      // files from the root filesystem's packages, with mtools) and an ext4 OS filesystem whose grub.cfg
      // prints a line.
      const uuid = "0b7e6f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
      const root = path.join(tmp, "os");
      mkdirSync(path.join(root, "boot/grub"), { recursive: true });
      writeFileSync(
        path.join(root, "boot/grub/grub.cfg"),
        'serial --unit=0 --speed=115200\nterminal_output console serial\necho "pairboot: the OS grub.cfg"\nsleep 600\n',
      );
      const img = path.join(tmp, "installed.img");
      await execa("truncate", ["-s", "80M", img]);
      await execa("sfdisk", ["-q", img], {
        input:
          "label: gpt\nstart=2048, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n" +
          "start=67584, size=61440, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n",
      });
      await execa("mkfs.fat", ["-F", "16", "-h", "2048", "--offset=2048", img, "32768"]);
      await execa("mkfs.ext4", [
        "-q",
        "-F",
        "-U",
        uuid,
        "-d",
        root,
        "-E",
        `offset=${67584 * 512}`,
        img,
        "30M",
      ]);
      const esp = `${img}@@${2048 * 512}`;
      const env = { MTOOLS_SKIP_CHECK: "1" };
      await execa("mmd", ["-i", esp, "::/EFI", "::/EFI/BOOT", "::/EFI/debian"], { env });
      for (const f of SIGNED_EFI_FILES)
        await execa("mcopy", ["-i", esp, path.join(ROOTFS, f.from), f.to], { env });
      const stub = path.join(tmp, "stub.cfg");
      writeFileSync(
        stub,
        `search.fs_uuid ${uuid} root\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n`,
      );
      await execa("mcopy", ["-i", esp, stub, SIGNED_GRUB_CONFIG], { env });
      const vm = await startVm({
        name: "installed-esp-uefi-secure",
        firmware: "uefi-secure",
        memoryMiB: 512,
        logDir,
        disks: [{ path: img, format: "raw", bootIndex: 0 }],
      });
      vms.push(vm);
      await vm.console.waitFor(/pairboot: the OS grub\.cfg/, 180_000);
      await vm.powerOff();
      expect(vm.console.tail(1_000_000)).not.toMatch(/Access Denied|Security Violation/);
    },
  );
});
