// A simulated BMC for tests: OpenIPMI's ipmi_sim serving IPMI over LAN on one address inside a network
// namespace the test made, with a "machine" whose power it controls. The machine is a stand-in process
// (`sleep 100000` unless the test gives a command); ipmi_sim's chassis_control program (this file's
// CHASSIS script) starts it on power on, kills it on power off and kills and restarts it on reset, so a
// power reset works without a QEMU guest connected (ipmi_sim's own reset needs one).
// Everything is started inside the namespace; deleteNetns kills what is left. Root only.
import { execa, type ResultPromise } from "execa";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface SimBmc {
  name: string;
  address: string;
  dir: string;
  proc: ResultPromise;
  /** The stand-in machine's process id while it is powered on, else null. */
  machinePid(): Promise<number | null>;
  /** Calls of the chassis program (get power, set reset 1, ...), one per line. */
  chassisCalls(): Promise<string[]>;
  stop(): Promise<void>;
}

// The chassis_control contract of openipmi's lanserv/ipmi_sim_chassiscontrol: `DIR get power` prints
// power:1 or power:0; `DIR set power 0|1`, `DIR set reset 1`. The machine's pid is in DIR/machine.pid.
const CHASSIS = `#!/bin/sh
dir=$1; op=$2; shift 2
echo "$op $*" >> "$dir/chassis.log"
pidf="$dir/machine.pid"
running() {
	[ -f "$pidf" ] || return 1
	state=$(cut -d' ' -f3 "/proc/$(cat "$pidf")/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}
start() { setsid sh -c "exec $(cat "$dir/machine.cmd")" </dev/null >>"$dir/machine.log" 2>&1 & echo $! > "$pidf"; }
stop() { if running; then kill -KILL -- "-$(cat "$pidf")" 2>/dev/null || kill -KILL "$(cat "$pidf")"; fi; rm -f "$pidf"; }
case $op in
get) for p; do case $p in power) if running; then echo power:1; else echo power:0; fi ;; boot) echo boot:default ;; esac; done ;;
set)
	while [ $# -ge 2 ]; do
		case $1 in
		power) if [ "$2" = 1 ]; then running || start; else stop; fi ;;
		reset) if [ "$2" = 1 ]; then stop; start; fi ;;
		esac
		shift 2
	done
	;;
*) echo "unknown operation $op"; exit 1 ;;
esac
`;

// IPMI 1.5 md5 logins for every privilege; the user may log in up to operator, which is what fencing needs.
function lanConf(o: BmcOptions, dir: string): string {
  return `name "${o.name}"
set_working_mc 0x20
  startlan 1
    addr ${o.address} 623
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${join(dir, "chassis")} ${dir}"
  user 2 true "${o.user}" "${o.password}" ${o.privilege ?? "operator"} 10 md5
`;
}

const EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`;

export interface BmcOptions {
  /** The network namespace the BMC serves in; its address must already be on an interface there. */
  ns: string;
  name: string;
  address: string;
  user: string;
  password: string;
  privilege?: "operator" | "admin";
  /** Where its files go (config 0600: it holds the password). */
  dir: string;
  /** The machine's command line (sh syntax); powered on at start. */
  machine?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts ipmi_sim for one BMC and powers its machine on; resolves once the BMC answers on its port. */
export async function startBmc(o: BmcOptions): Promise<SimBmc> {
  const dir = o.dir;
  await mkdir(join(dir, "state"), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, "lan.conf"), lanConf(o, dir), { mode: 0o600 });
  await writeFile(join(dir, "bmc.emu"), EMU);
  await writeFile(join(dir, "chassis"), CHASSIS, { mode: 0o755 });
  await chmod(join(dir, "chassis"), 0o755);
  await writeFile(join(dir, "machine.cmd"), o.machine ?? "sleep 100000");
  await execa(join(dir, "chassis"), [dir, "set", "power", "1"]);
  const proc = execa(
    "ip",
    ["netns", "exec", o.ns, "ipmi_sim", "-c", join(dir, "lan.conf"), "-f", join(dir, "bmc.emu")].concat([
      "-s",
      join(dir, "state"),
      "-n",
    ]),
    { reject: false, all: true, buffer: true },
  );
  const bmc: SimBmc = {
    name: o.name,
    address: o.address,
    dir,
    proc,
    async machinePid() {
      const r = await execa(join(dir, "chassis"), [dir, "get", "power"]);
      if (!r.stdout.includes("power:1")) return null;
      return Number((await readFile(join(dir, "machine.pid"), "utf8")).trim());
    },
    async chassisCalls() {
      return (await readFile(join(dir, "chassis.log"), "utf8").catch(() => "")).split("\n").filter(Boolean);
    },
    async stop() {
      proc.kill("SIGKILL");
      await proc;
      await execa(join(dir, "chassis"), [dir, "set", "power", "0"], { reject: false });
    },
  };
  // ipmi_sim listens within a few ms; wait until the UDP port is bound inside the namespace.
  for (let i = 0; i < 50; i++) {
    const ss = await execa("ip", ["netns", "exec", o.ns, "ss", "-Hlun", `sport = :623`], { reject: false });
    if (ss.stdout.includes(o.address)) return bmc;
    if (proc.exitCode !== null) break;
    await sleep(100);
  }
  await bmc.stop();
  throw new Error(`ipmi_sim for ${o.name} did not listen on ${o.address}:623: ${(await proc).all ?? ""}`);
}
