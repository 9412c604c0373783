// Running the real heartbeat 3.0.6 in an overlay sandbox (see netns.ts) with rendered files.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RenderFamily } from "../../src/render/types.js";
import { writeFamily } from "./ha-spec.js";
import type { Sandbox } from "./netns.js";

/** The resources that cannot run on this host (no drbd module, no nfsd); everything else stays real. */
export const STAND_INS = ["drbddisk", "Filesystem", "nfsstate", "pairboot-nfsd"];

// Records every call and keeps a state file so status answers like the real script would.
const STAND_IN = `#!/bin/sh
name=$(basename "$0")
for op; do :; done
echo "$(date +%s.%N) $name $*" >> /var/log/standins.log
case "$op" in
start) touch "/run/standin-$name" ;;
stop) rm -f "/run/standin-$name" ;;
status) if [ -e "/run/standin-$name" ]; then echo running; else echo stopped; fi ;;
esac
exit 0
`;

// nfsd's stand-in: what a client and pairboot-monitor see of nfsd, listeners on TCP 2049 (and on 2050, a port
// pairboot does not record: the control for tickle measurements) that read and discard what clients send.
const NFSD_LISTENER = `import socket, threading
def drain(c):
    while c.recv(4096):
        pass
def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()
for p in (2049, 2050):
    threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
`;

/** Path of the marker (under the data mount, host-visible) that makes node NAME's nfsd stand-in fail to start. */
export const brokenNfsdMarker = (node: string) => `.standin/broken-nfsd-${node}`;

// Like nfs-server.service: exportfs -r, then nfsd (the listener). Fails to start while the marker exists.
const NFSD_STAND_IN = (dataMount: string) => `#!/bin/sh
echo "$(date +%s.%N) pairboot-nfsd $*" >> /var/log/standins.log
pidf=/run/standin-nfsd.pid
running() { [ -r $pidf ] && kill -0 "$(cat $pidf)" 2>/dev/null; }
case "$1" in
start)
	running && exit 0
	[ -e "${dataMount}/${brokenNfsdMarker("$(hostname)")}" ] && exit 1
	exportfs -r
	setsid /usr/bin/python3 /usr/local/lib/standin-nfsd.py </dev/null >/dev/null 2>&1 &
	echo $! > $pidf ;;
stop) running && kill "$(cat $pidf)"; rm -f $pidf ;;
status) running && echo running || { echo stopped; exit 3; } ;;
esac
exit 0
`;

// syslog has no socket in the sandbox (/dev/log points into the host's /run): logger writes to a file instead.
const LOGGER_STAND_IN = `#!/bin/sh
echo "$(date +%s.%N) $*" >> /var/log/syslog-standin
`;

/** The only change a test makes to the rendered ha.cf: a log file it can read (production logs to syslog). */
export function testHaCf(rendered: string): string {
  return rendered.replace(/^logfacility .*$/m, (l) => `${l}\nlogfile /var/log/ha-log`);
}

/** What heartbeat.service and tmpfiles.d would prepare, then heartbeat in the foreground. */
export const HB_START = `
for d in /run/heartbeat /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm; do
  mkdir -p $d && chown hacluster:haclient $d && chmod 750 $d
done
mkdir -p /run/resource-agents
/usr/libexec/heartbeat/heartbeat -f
echo "heartbeat exited with $?"
`;

/**
 * Writes the heartbeat family into the sandbox, with the test log file and the resource stand-ins (nfsd's
 * listens like nfsd and exports `dataMount`'s exports with the real exportfs), and logger writing to a file.
 */
export async function installHeartbeat(
  sb: Sandbox,
  family: RenderFamily,
  dataMount = "/data",
): Promise<void> {
  await writeFamily(sb.upper, family);
  const cf = join(sb.upper, "etc/ha.d/ha.cf");
  await writeFile(cf, testHaCf(await readFile(cf, "utf8")));
  for (const s of STAND_INS) {
    const text = s === "pairboot-nfsd" ? NFSD_STAND_IN(dataMount) : STAND_IN;
    await writeFile(join(sb.upper, "etc/ha.d/resource.d", s), text, { mode: 0o755 });
  }
  await mkdir(join(sb.upper, "usr/local/lib"), { recursive: true });
  await writeFile(join(sb.upper, "usr/local/lib/standin-nfsd.py"), NFSD_LISTENER);
  await mkdir(join(sb.upper, "usr/local/bin"), { recursive: true });
  await writeFile(join(sb.upper, "usr/local/bin/logger"), LOGGER_STAND_IN, { mode: 0o755 });
}

export async function sandboxLog(sb: Sandbox, file: string): Promise<string> {
  return readFile(join(sb.upper, "var/log", file), "utf8").catch(() => "");
}

// Warnings this sandbox causes and a real node would not (no core_pattern tuning, no memlock limit, no logd),
// plus what any node may log on its first start (no generation yet; the peer's first packets sent before
// this node listened).
const SANDBOX_NOISE = [
  /Core dumps could be lost/,
  /core_pattern|core_uses_pid/,
  /Cannot lock ourselves into memory/,
  /Logging daemon is disabled/,
  /No Previous generation/,
  /lost packet\(s\) for/,
];

/** ERROR/WARN/CRIT lines of a heartbeat log that are not known sandbox noise. */
export function complaints(haLog: string): string[] {
  return haLog
    .split("\n")
    .filter((l) => /\b(ERROR|WARN|CRIT):/.test(l))
    .filter((l) => !SANDBOX_NOISE.some((re) => re.test(l)));
}
