// The VM harness's pure parts, without QEMU: the command line it builds and the serial
// console's command framing, against a fake shell on a unix socket that echoes like a tty.
import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { qemuArgs } from "../support/qemu.js";
import { SerialConsole, clean } from "../support/serial.js";

const socks = { serial: "/s/ser", qmp: "/s/qmp", hmp: "/s/hmp", serialLog: "/l/ser.log" };

describe("qemuArgs", () => {
  it("builds a TCG q35 guest with taps, MACs and a virtio disk by default", () => {
    const a = qemuArgs(
      {
        name: "node-a",
        disk: "/d/a.raw",
        logDir: "/l",
        nics: [
          { mac: "52:54:00:00:0a:01", tap: "a-lan0" },
          { mac: "52:54:00:00:0a:02", tap: "a-lan1" },
        ],
      },
      socks,
    ).join(" ");
    expect(a).toContain("-accel tcg");
    expect(a).toContain("-machine q35");
    expect(a).toContain("-nodefaults");
    expect(a).toContain("-S");
    expect(a).toContain("file=/d/a.raw,format=raw,if=none,id=disk0,cache=unsafe");
    expect(a).toContain("virtio-blk-pci,drive=disk0");
    expect(a).toContain("tap,id=net1,ifname=a-lan1,script=no,downscript=no");
    expect(a).toContain("virtio-net-pci,netdev=net1,mac=52:54:00:00:0a:02");
    expect(a).toContain("logfile=/l/ser.log");
    expect(a).not.toContain("pflash");
    expect(a).not.toContain("-kernel");
  });

  it("attaches an nvme disk as its own NVMe controller with the disk's serial, and refuses one without a serial", () => {
    const a = qemuArgs(
      {
        name: "node-b",
        disks: [{ path: "/d/b.raw", interface: "nvme", serial: "PBLAB-NODE-B", bootIndex: 0 }],
        logDir: "/l",
      },
      socks,
    ).join(" ");
    expect(a).toContain("-device nvme,drive=disk0,serial=PBLAB-NODE-B,bootindex=0");
    expect(() =>
      qemuArgs({ name: "x", disks: [{ path: "/d/x.raw", interface: "nvme" }], logDir: "/l" }, socks),
    ).toThrow("an nvme disk needs a serial");
  });

  it("gives UEFI guests OVMF code read-only and their own vars file", () => {
    const a = qemuArgs(
      { name: "b", disk: "/d/b.raw", logDir: "/l", firmware: "uefi" },
      { ...socks, uefiVars: "/l/b-vars.fd" },
    ).join(" ");
    expect(a).toMatch(/if=pflash,format=raw,unit=0,readonly=on,file=\S*OVMF_CODE/);
    expect(a).toContain("if=pflash,format=raw,unit=1,file=/l/b-vars.fd");
    expect(a).not.toContain("secboot");
  });

  it("gives uefi-secure guests SMM, an SMM-protected flash and OVMF's Secure Boot build", () => {
    const a = qemuArgs(
      { name: "s", disk: "/d/s.raw", logDir: "/l", firmware: "uefi-secure" },
      { ...socks, uefiVars: "/l/s-vars.fd" },
    ).join(" ");
    expect(a).toContain("-machine q35,smm=on");
    expect(a).toContain("-global driver=cfi.pflash01,property=secure,value=on");
    expect(a).toContain(
      "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
    );
    expect(a).toContain("if=pflash,format=raw,unit=1,file=/l/s-vars.fd");
  });

  it("puts SATA disks on the AHCI ports and a USB stick on xHCI, with serials and boot order", () => {
    const a = qemuArgs(
      {
        name: "c",
        logDir: "/l",
        disks: [
          { path: "/d/t.raw", interface: "sata", serial: "S4EWNX0R1", bootIndex: 2 },
          { path: "/d/stick.img", interface: "usb", bootIndex: 1 },
        ],
      },
      socks,
    ).join(" ");
    expect(a).toContain("ide-hd,drive=disk0,bus=ide.0,serial=S4EWNX0R1,bootindex=2");
    expect(a).toContain("qemu-xhci,id=xhci");
    expect(a).toContain("usb-storage,drive=disk1,bus=xhci.0,removable=on,bootindex=1");
  });
});

describe("SerialConsole.run", () => {
  let dir = "";
  let server: net.Server | undefined;
  let cons: SerialConsole | undefined;

  afterEach(() => {
    cons?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A fake guest shell: echoes each line with CRLF like a tty, then runs the tiny subset of
  // shell the framing uses (echo, and two canned commands), then prints a prompt.
  async function fakeShell(): Promise<SerialConsole> {
    dir = mkdtempSync(path.join(os.tmpdir(), "pb-serial-test-"));
    const sock = path.join(dir, "ser");
    server = net.createServer((c) => {
      let buf = "";
      c.on("error", () => undefined); // the console closing first resets the connection
      c.on("data", (d) => {
        buf += d.toString("latin1");
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          c.write(`${line}\r\n`);
          let rc = 0;
          for (const part of line.split("; ")) {
            const echo = /^echo (.*)$/.exec(part);
            if (echo) c.write(`${(echo[1] ?? "").replace(/""/g, "").replace("$?", String(rc))}\r\n`);
            else if (part === "uname -r") c.write("6.1.0-56-amd64\r\n");
            else if (part === "false-ish") {
              c.write("\x1b[1mno such thing\x1b[0m\r\n");
              rc = 3;
            }
          }
          c.write("root@vm:~# ");
        }
      });
      c.write("root@vm:~# ");
    });
    await new Promise<void>((r) => server!.listen(sock, r));
    const s = new SerialConsole(sock);
    await s.connect(2_000);
    return s;
  }

  it("returns only the command's output and its exit code", async () => {
    cons = await fakeShell();
    expect(await cons.run("uname -r", 5_000)).toEqual({ out: "6.1.0-56-amd64", rc: 0 });
    expect(await cons.run("false-ish", 5_000)).toEqual({ out: "no such thing", rc: 3 });
  });

  it("refuses multi-line commands", async () => {
    cons = await fakeShell();
    await expect(cons.run("a\nb")).rejects.toThrow(/one line/);
  });

  it("times out with the console's tail in the message", async () => {
    cons = await fakeShell();
    await expect(cons.waitFor(/never/, 200)).rejects.toThrow(/timed out after 200 ms.*\n.*root@vm/s);
  });
});

describe("clean", () => {
  it("turns a tty transcript into plain text", () => {
    expect(clean("\x1b[0;32m  OK  \x1b[0m] Started\r\r\nnext\r")).toBe("  OK  ] Started\nnext");
  });
});
