// `pairboot status`'s monitor line from pairboot-monitor's state file (the text its write_state prints).
import { describe, expect, it } from "vitest";
import { monitorLine, parseMonitorState } from "../../src/status/monitor.js";

const state = (fields: Record<string, string>) =>
  Object.entries({
    monitor: "running",
    interval: "5",
    restores_max: "3",
    window: "60",
    failed: "",
    since: "",
    restores: "0",
    failover_at: "",
    last: "",
    ...fields,
  })
    .map(([k, v]) => `${k}=${v}`)
    .join("\n") + "\n";

describe("pairboot status: the service monitor's line", () => {
  it("no state file: ok, the monitor has not run here", () => {
    expect(monitorLine(null, false)).toEqual({
      area: "monitor",
      health: "ok",
      summary: "has not run on this node (it runs where the service runs)",
    });
  });

  it("running and healthy: ok, with the interval and the last action in UTC", () => {
    const o = parseMonitorState(state({ last: "1796670300 recovered" }));
    expect(monitorLine(o, true)).toMatchObject({
      health: "ok",
      summary: "watching the data mount, nfsd and the exports every 5 s; last action 19:05:00 UTC: recovered",
    });
  });

  it("a check failing with restores left: warn, how many restores and the bound", () => {
    const o = parseMonitorState(
      state({
        failed: "nfsd",
        since: "1796670300",
        restores: "2",
        last: "1796670305 restore 2/3 failed: nfsd; steps: nfsd exports",
      }),
    );
    expect(o?.failed).toEqual(["nfsd"]);
    expect(monitorLine(o, true)).toMatchObject({
      health: "warn",
      summary:
        "nfsd failing since 19:05:00 UTC: restore 2 of 3, then the peer takes over (within 60 s); last action 19:05:05 UTC: restore 2/3 failed: nfsd; steps: nfsd exports",
    });
  });

  it("the peer was asked to take over: fail", () => {
    const o = parseMonitorState(
      state({ failed: "mount nfsd", since: "1796670300", restores: "3", failover_at: "1796670320" }),
    );
    expect(monitorLine(o, true)).toMatchObject({
      health: "fail",
      summary: "mount, nfsd failing; asked the peer to take over at 19:05:20 UTC after 3 restore(s)",
    });
  });

  it("stopped, or a stale 'running' on a node without the service IP: ok, with the last action kept", () => {
    const last = "1796670320 failover failed: nfsd after 3 restore(s)";
    for (const [monitor, holds] of [
      ["stopped", false],
      ["running", false],
    ] as const) {
      expect(monitorLine(parseMonitorState(state({ monitor, last })), holds)).toMatchObject({
        health: "ok",
        summary:
          "stopped (the service is not on this node); last action 19:05:20 UTC: failover failed: nfsd after 3 restore(s)",
      });
    }
  });

  it("a file that is not the monitor's is not believed", () => {
    expect(parseMonitorState("hello\n")).toBeNull();
  });
});
