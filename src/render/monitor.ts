// Service monitoring on the active node. Heartbeat v1 watches only the peer: when nfsd, the data mount or the
// exports fail on the node that holds the service, nothing happens. pairboot-monitor (a v1 resource script,
// last in haresources, so it runs exactly while the group runs here and is stopped first) checks them every
// few seconds, restores what failed (remount, restart the NFS server, re-export), and when that does not
// work within a bound, hands the service to the peer with heartbeat's hb_standby.
//
// The decision is a table (MONITOR_RULES): decide() reads it in TypeScript and decideShell() turns the same
// rows into the shell function the node runs; test/unit/render-monitor.test.ts runs both on the same cases.
import type { ClusterSpec } from "../answer/schema.js";
import type { RenderedFile } from "./types.js";
import { daemonShell, hostPart, RESOURCE_DIR } from "./ha-common.js";
import { statusArm } from "./ha-common.js";

export const MONITOR_NAME = "pairboot-monitor";
/** Where the monitor keeps its state on this node; `pairboot status` reads it (src/status/monitor.ts). */
export const MONITOR_STATE = "/var/lib/pairboot/monitor.state";
/** heartbeat 3.0.6 (bookworm and trixie): asks the peer to take the resources over. */
export const HB_STANDBY = "/usr/share/heartbeat/hb_standby";

/** What the monitor checks, in this order. */
export const CHECKS = ["mount", "nfsd", "exports"] as const;
export type Check = (typeof CHECKS)[number];

export interface MonitorBounds {
  /** Seconds between two checks. */
  intervalS: number;
  /** Restore attempts in one incident before the service moves to the peer. */
  restores: number;
  /** Seconds from an incident's first failed check after which the service moves even with attempts left. */
  windowS: number;
}

/**
 * Sound defaults. A restart of nfs-server takes 2-5 s (the lab, under TCG), so three attempts 5 s apart fit
 * well inside the 60 s window; beyond a minute a takeover by the peer (deadtime + its start) is the faster
 * cure. The window also spaces out repeated hand-over requests when the peer cannot take the service.
 */
export const DEFAULT_MONITOR: MonitorBounds = { intervalS: 5, restores: 3, windowS: 60 };

export interface MonitorState {
  /** Epoch seconds of the incident's first failed check, or null while healthy. */
  since: number | null;
  /** Restore attempts in this incident. */
  restores: number;
  /** Epoch seconds of the last hand-over request (hb_standby), or null. */
  failoverAt: number | null;
}

export const HEALTHY: MonitorState = { since: null, restores: 0, failoverAt: null };

export type Action = "ok" | "recovered" | "restore" | "failover" | "wait";

type Condition =
  | "healthy" // every check passed
  | "incident" // a failed check was seen since the last healthy one
  | "failover_requested" // hb_standby was asked in this incident
  | "failover_pending" // ... less than a window ago
  | "restores_left" // fewer restore attempts than the bound
  | "in_window"; // the incident is younger than the window
type Literal = Condition | `!${Condition}`;

interface Next {
  since: "clear" | "keep" | "now" | "now_if_unset";
  restores: "zero" | "keep" | "inc" | "one";
  failoverAt: "clear" | "keep" | "now";
}

export interface Rule {
  /** All must hold; the first rule that matches decides. */
  when: Literal[];
  action: Action;
  next: Next;
  why: string;
}

export const MONITOR_RULES: readonly Rule[] = [
  {
    when: ["healthy", "!incident"],
    action: "ok",
    next: { since: "clear", restores: "zero", failoverAt: "clear" },
    why: "all checks pass",
  },
  {
    when: ["healthy"],
    action: "recovered",
    next: { since: "clear", restores: "zero", failoverAt: "clear" },
    why: "all checks pass again after an incident",
  },
  {
    when: ["failover_pending"],
    action: "wait",
    next: { since: "keep", restores: "keep", failoverAt: "keep" },
    why: "the peer was asked to take over less than a window ago",
  },
  {
    when: ["failover_requested"],
    action: "restore",
    next: { since: "now", restores: "one", failoverAt: "clear" },
    why: "the peer did not take over within a window: start again here",
  },
  {
    when: ["restores_left", "in_window"],
    action: "restore",
    next: { since: "now_if_unset", restores: "inc", failoverAt: "keep" },
    why: "restore attempts left within the window",
  },
  {
    when: [],
    action: "failover",
    next: { since: "now_if_unset", restores: "keep", failoverAt: "now" },
    why: "restores used up or window passed: hand the service to the peer",
  },
];

function holds(c: Condition, failed: readonly Check[], s: MonitorState, now: number, b: MonitorBounds) {
  switch (c) {
    case "healthy":
      return failed.length === 0;
    case "incident":
      return s.since !== null;
    case "failover_requested":
      return s.failoverAt !== null;
    case "failover_pending":
      return s.failoverAt !== null && now - s.failoverAt < b.windowS;
    case "restores_left":
      return s.restores < b.restores;
    case "in_window":
      return s.since === null || now - s.since < b.windowS;
  }
}

function literalHolds(l: Literal, ...args: [readonly Check[], MonitorState, number, MonitorBounds]) {
  return l.startsWith("!") ? !holds(l.slice(1) as Condition, ...args) : holds(l as Condition, ...args);
}

/** One tick of the monitor: what to do about the failed checks, and the state after it. */
export function decide(
  failed: readonly Check[],
  state: MonitorState,
  now: number,
  bounds: MonitorBounds,
): { action: Action; state: MonitorState; rule: Rule } {
  const rule = MONITOR_RULES.find((r) => r.when.every((l) => literalHolds(l, failed, state, now, bounds)));
  if (!rule) throw new Error("MONITOR_RULES has no catch-all row");
  const n = rule.next;
  return {
    action: rule.action,
    rule,
    state: {
      since:
        n.since === "clear"
          ? null
          : n.since === "now"
            ? now
            : n.since === "now_if_unset"
              ? (state.since ?? now)
              : state.since,
      restores:
        n.restores === "zero"
          ? 0
          : n.restores === "one"
            ? 1
            : n.restores === "inc"
              ? state.restores + 1
              : state.restores,
      failoverAt: n.failoverAt === "clear" ? null : n.failoverAt === "now" ? now : state.failoverAt,
    },
  };
}

// ---- the same table as shell ----
// Variables: failed (space-separated checks), since, restores, failover_at, now; RESTORES and WINDOW.

const SHELL_CONDITION: Record<Condition, string> = {
  healthy: '[ -z "$failed" ]',
  incident: '[ -n "$since" ]',
  failover_requested: '[ -n "$failover_at" ]',
  failover_pending: '{ [ -n "$failover_at" ] && [ $((now - failover_at)) -lt "$WINDOW" ]; }',
  restores_left: '[ "$restores" -lt "$RESTORES" ]',
  in_window: '{ [ -z "$since" ] || [ $((now - since)) -lt "$WINDOW" ]; }',
};

const SHELL_NEXT = {
  since: { clear: "since=", keep: "", now: "since=$now", now_if_unset: "since=${since:-$now}" },
  restores: { zero: "restores=0", keep: "", inc: "restores=$((restores + 1))", one: "restores=1" },
  failoverAt: { clear: "failover_at=", keep: "", now: "failover_at=$now" },
} as const;

function shellLiteral(l: Literal): string {
  return l.startsWith("!")
    ? `! ${SHELL_CONDITION[l.slice(1) as Condition]}`
    : SHELL_CONDITION[l as Condition];
}

/** decide() as a POSIX sh function, generated from MONITOR_RULES. */
export function decideShell(): string {
  const lines = [
    "# Generated from MONITOR_RULES (src/render/monitor.ts): the first matching row decides.",
    "decide() {",
  ];
  MONITOR_RULES.forEach((r, i) => {
    const body = [
      `action=${r.action}`,
      SHELL_NEXT.since[r.next.since],
      SHELL_NEXT.restores[r.next.restores],
      SHELL_NEXT.failoverAt[r.next.failoverAt],
    ].filter(Boolean);
    const head =
      r.when.length === 0
        ? "\telse"
        : `\t${i === 0 ? "if" : "elif"} ${r.when.map(shellLiteral).join(" && ")}; then`;
    lines.push(`${head} # ${r.why}`, `\t\t${body.join("; ")}`);
  });
  lines.push("\tfi", "}");
  return lines.join("\n");
}

// ---- what a restore does ----

export const RESTORE_STEPS = ["mount", "nfsstate", "nfsd", "exports"] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];

/** Which steps each failed check needs, in RESTORE_STEPS order: a new mount needs the state bind and a fresh nfsd. */
export const RESTORE_FOR: Record<Check, readonly RestoreStep[]> = {
  mount: ["mount", "nfsstate", "nfsd", "exports"],
  nfsd: ["nfsd", "exports"],
  exports: ["exports"],
};

export function restorePlan(failed: readonly Check[]): RestoreStep[] {
  return RESTORE_STEPS.filter((s) => failed.some((c) => RESTORE_FOR[c].includes(s)));
}

/** restorePlan() as a POSIX sh function calling `do_step STEP` for each step, generated from RESTORE_FOR. */
export function restoreShell(): string {
  const lines = ["# Generated from RESTORE_FOR (src/render/monitor.ts).", "restore_plan() {"];
  for (const step of RESTORE_STEPS) {
    const checks = CHECKS.filter((c) => RESTORE_FOR[c].includes(step));
    lines.push(`\tcase " $failed " in ${checks.map((c) => `*" ${c} "*`).join(" | ")}) echo ${step} ;; esac`);
  }
  lines.push("}");
  return lines.join("\n");
}

// ---- the resource script ----

/** The group's resources the restore steps call, as haresources names them ("Filesystem::dev::mount::fs::opts"). */
export interface MonitorResources {
  filesystem: string;
  nfsstate: string;
  nfsd: string;
}

/** "Filesystem::/dev/drbd0::/data::ext4::noatime" -> "/etc/ha.d/resource.d/Filesystem /dev/drbd0 /data ext4 noatime" */
function resourceCommand(entry: string): string {
  const [script, ...args] = entry.split("::");
  return [`${RESOURCE_DIR}/${script ?? ""}`, ...args].join(" ");
}

export function renderMonitor(
  spec: ClusterSpec,
  resources: MonitorResources,
  bounds: MonitorBounds = DEFAULT_MONITOR,
): RenderedFile {
  const mount = spec.storage.data_mount;
  const exports = spec.nfs.exports.map((e) => e.path).join(" ");
  const content = `#!/bin/sh
# ${MONITOR_NAME}: heartbeat v1 resource script written by pairboot; last in haresources.
# While the group runs here, every ${bounds.intervalS} s: is ${mount} mounted, does nfsd listen on 2049, are the exports
# (${exports}) exported? What failed is restored here, at most ${bounds.restores} times in ${bounds.windowS} s; then the service
# moves to the peer (hb_standby). Every action goes to syslog (tag ${MONITOR_NAME}) and ${MONITOR_STATE}.
# start/stop/status: the loop; decide FAILED SINCE RESTORES FAILOVER_AT NOW and plan FAILED: one decision.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
INTERVAL=${bounds.intervalS}
RESTORES=${bounds.restores}
WINDOW=${bounds.windowS}
MOUNT=${mount}
VIP=${hostPart(spec.service.ip)}
EXPORTS="${exports}"
STATE=${MONITOR_STATE}

${daemonShell(MONITOR_NAME)}

log() {
	logger -t ${MONITOR_NAME} -p daemon.warning -- "$*" 2>/dev/null || true
}

# Sets failed to the checks that fail now, space-separated, in the order mount nfsd exports.
check() {
	failed=
	mountpoint -q "$MOUNT" || failed="$failed mount"
	[ -n "$(ss -Hltn 'sport = :2049' 2>/dev/null)" ] || failed="$failed nfsd"
	exported=$(exportfs 2>/dev/null | awk '/^\\// { print $1 }')
	for e in $EXPORTS; do
		printf '%s\\n' "$exported" | grep -qxF "$e" || { failed="$failed exports"; break; }
	done
	failed=\${failed# }
}

${decideShell()}

${restoreShell()}

notify_clients() {
	command -v sm-notify >/dev/null 2>&1 || return 0
	sm-notify -f -v "$VIP"
}

do_step() {
	case "$1" in
	mount) ${resourceCommand(resources.filesystem)} start ;;
	nfsstate) ${resourceCommand(resources.nfsstate)} start ;;
	# A restarted nfsd restarts lockd without the NFSv3 locks it held: SM_NOTIFY under the service's name
	# makes those clients reclaim them in lockd's grace period, as after a takeover (nfsstate).
	nfsd) ${resourceCommand(resources.nfsd)} stop && ${resourceCommand(resources.nfsd)} start && notify_clients ;;
	exports) exportfs -ra ;;
	esac
}

# Written when it changes (a local file; the monitor's state belongs to this node, not to the service).
write_state() {
	text=$(printf '%s\\n' "monitor=$1" "interval=$INTERVAL" "restores_max=$RESTORES" "window=$WINDOW" \\
		"failed=$failed" "since=$since" "restores=$restores" "failover_at=$failover_at" "last=$last")
	[ "$text" = "$written" ] && return 0
	mkdir -p "$(dirname "$STATE")" &&
		printf '%s\\n' "$text" >"$STATE.new" && mv -f "$STATE.new" "$STATE" && written=$text
}

run() {
	echo $$ >"$PIDFILE"
	failed= since= restores=0 failover_at=
	last=$(sed -n 's/^last=//p' "$STATE" 2>/dev/null)
	write_state running
	log "started: every $INTERVAL s, checks $MOUNT mounted, nfsd listening on 2049, exports $EXPORTS"
	while :; do
		sleep "$INTERVAL"
		check
		now=$(date +%s)
		decide
		case $action in
		recovered)
			log "recovered: all checks pass again"
			last="$now recovered"
			;;
		restore)
			steps=$(restore_plan | tr '\\n' ' ')
			steps=\${steps% }
			log "restore $restores of $RESTORES (window \${WINDOW} s): failed: $failed; steps: $steps"
			last="$now restore $restores/$RESTORES failed: $failed; steps: $steps"
			for s in $steps; do
				do_step "$s" >/dev/null 2>&1 || log "restore step $s failed"
			done
			;;
		failover)
			log "failover: failed: $failed after $restores restore(s) in $((now - since)) s: handing the service to the peer (hb_standby)"
			last="$now failover failed: $failed after $restores restore(s)"
			write_state running
			# heartbeat 3.0.6 mishandles a standby request while resources move (the peer then ignores every
			# request for an hour): postpone it; the table retries after a window.
			if [ "$(cl_status rscstatus 2>/dev/null)" = transition ]; then
				log "heartbeat's resources are in transition: hand-over postponed"
			else
				${HB_STANDBY} all >/dev/null 2>&1 || log "hb_standby failed"
			fi
			;;
		esac
		write_state running
	done
}

case "$1" in
start)
	daemon_start || exit 1
	exit 0
	;;
stop)
	daemon_stop
	failed= since= restores=0 failover_at=
	last=$(sed -n 's/^last=//p' "$STATE" 2>/dev/null)
	write_state stopped
	exit 0
	;;
${statusArm("daemon_running")}run)
	run
	;;
decide)
	failed=$2 since=$3 restores=$4 failover_at=$5 now=$6
	decide
	echo "$action since=$since restores=$restores failover_at=$failover_at"
	;;
plan)
	failed=$2
	restore_plan
	;;
*)
	echo "usage: $0 {start|stop|status}" >&2
	exit 2
	;;
esac
`;
  return { path: `${RESOURCE_DIR}/${MONITOR_NAME}`, content, mode: 0o755 };
}
