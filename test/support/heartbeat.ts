// Running the real heartbeat 3.0.6 in an overlay sandbox (see netns.ts) with rendered files.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RenderFamily } from "../../src/render/types.js";
import { writeFamily } from "./ha-spec.js";
import type { Sandbox } from "./netns.js";

/** The resources that cannot run on this host (no drbd module, no nfsd); everything else stays real. */
export const STAND_INS = ["drbddisk", "Filesystem", "nfsstate", "nfs-kernel-server"];

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

/** Writes the heartbeat family into the sandbox, with the test log file and the resource stand-ins. */
export async function installHeartbeat(sb: Sandbox, family: RenderFamily): Promise<void> {
  await writeFamily(sb.upper, family);
  const cf = join(sb.upper, "etc/ha.d/ha.cf");
  await writeFile(cf, testHaCf(await readFile(cf, "utf8")));
  for (const s of STAND_INS) {
    await writeFile(join(sb.upper, "etc/ha.d/resource.d", s), STAND_IN, { mode: 0o755 });
  }
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
