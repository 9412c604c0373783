// Fetching pairboot.answer=URL with the kernel command line's pins, against real servers on 127.0.0.1: an
// https server with a self-signed certificate made by openssl in a temp dir, and a plain http server.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerPins } from "../../src/live/answer-trust.js";
import { parseCmdline } from "../../src/live/cmdline.js";
import { answerCandidates, discoverAnswer } from "../../src/live/discover.js";
import { fetchAnswer } from "../../src/live/fetch-answer.js";

const ANSWER = "version: 1\ncluster: { name: from-the-server }\n";
const dir = mkdtempSync(join(tmpdir(), "pb-fetch-"));
let fingerprint = ""; // as openssl prints it: AB:CD:...
let httpsServer: https.Server;
let httpServer: http.Server;
let httpsUrl = "";
let httpUrl = "";
const requests: string[] = [];

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  // The name matches nothing: a pinned certificate needs no name and no authority.
  await execa("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=answers.invalid",
  ]);
  const fp = (await execa("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", cert])).stdout;
  fingerprint = fp.replace(/^.*Fingerprint=/i, "").trim();
  const handler: http.RequestListener = (req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(200, { "content-type": "text/yaml" });
    res.end(ANSWER);
  };
  httpsServer = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler);
  httpServer = http.createServer(handler);
  httpsUrl = `https://127.0.0.1:${await listen(httpsServer)}/a.yaml`;
  httpUrl = `http://127.0.0.1:${await listen(httpServer)}/a.yaml`;
});

afterAll(async () => {
  await new Promise((r) => httpsServer?.close(r));
  await new Promise((r) => httpServer?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function pinsFor(cmdline: string) {
  const r = answerPins(parseCmdline(cmdline));
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.pins;
}

describe("an https answer with a pinned certificate fingerprint", () => {
  it("is fetched when the server's certificate has the pinned fingerprint (self-signed, name not checked)", async () => {
    const pins = pinsFor(`pairboot.answer=${httpsUrl} pairboot.answer.fingerprint=sha256:${fingerprint}`);
    expect(await fetchAnswer(httpsUrl, pins)).toBe(ANSWER);
  });

  it("is refused, naming both fingerprints, when the server's certificate is another one", async () => {
    const wrong = "00:".repeat(31) + "00";
    const pins = pinsFor(`pairboot.answer=${httpsUrl} pairboot.answer.fingerprint=sha256:${wrong}`);
    const err = await fetchAnswer(httpsUrl, pins).catch((e: unknown) => e);
    expect(String(err)).toContain(`the server's certificate (sha256:${fingerprint}) is not the one`);
    expect(String(err)).toContain(`pins (sha256:${wrong})`);
    expect(String(err)).toContain("nothing was used");
  });

  it("without a pin, the self-signed certificate is refused by the usual certificate checks", async () => {
    const err = await fetchAnswer(httpsUrl, pinsFor(`pairboot.answer=${httpsUrl}`)).catch((e: unknown) => e);
    expect(String(err)).toMatch(/self[- ]signed certificate/);
  });
});

describe("an http answer with pairboot.answer.sha256", () => {
  const digest = createHash("sha256").update(ANSWER).digest("hex");

  it("is used when the bytes received have the digest sha256sum gives for the file", async () => {
    const pins = pinsFor(`pairboot.answer=${httpUrl} pairboot.answer.sha256=${digest}`);
    const r = await discoverAnswer(answerCandidates({ answer: httpUrl }, { medium: null, stick: null }), {
      readFile: () => Promise.resolve(null),
      fetchText: (u) => fetchAnswer(u, pins),
    });
    expect(r).toMatchObject({ found: true, text: ANSWER });
  });

  it("is refused before anything reads it when the digest differs: discovery finds no answer and says why", async () => {
    const wrong = "0".repeat(64);
    const pins = pinsFor(`pairboot.answer=${httpUrl} pairboot.answer.sha256=${wrong}`);
    const before = requests.length;
    const r = await discoverAnswer(answerCandidates({ answer: httpUrl }, { medium: null, stick: null }), {
      readFile: () => Promise.resolve(null),
      fetchText: (u) => fetchAnswer(u, pins),
    });
    expect(requests.length).toBe(before + 1); // it was fetched, and then not used
    expect(r.found).toBe(false);
    expect(r).not.toHaveProperty("text");
    expect(!r.found && r.error).toBe(
      `pairboot.answer=${httpUrl}: the answer received (sha256 ${digest}) is not the one pairboot.answer.sha256 ` +
        `names (${wrong}): it was changed or replaced on its way; nothing was used`,
    );
  });
});
