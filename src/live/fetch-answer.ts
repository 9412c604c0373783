// Fetching an answer named by pairboot.answer=URL, with the kernel command line's pins checked on the wire
// (see answer-trust.ts): a pinned https server's certificate must have the pinned SHA-256 fingerprint (it
// replaces the certificate authorities and the host name check, so a self-signed certificate works), and a
// pinned digest must match the bytes received before anything reads them as an answer.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { colonHex, normalizeFingerprint, type AnswerPins } from "./answer-trust.js";

/** Far above any real answer file; a server streaming without end is cut off here. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export class AnswerFetchError extends Error {}

function peerFingerprint(socket: TLSSocket): string | null {
  const fp = socket.getPeerCertificate()?.fingerprint256;
  return typeof fp === "string" ? normalizeFingerprint(fp) : null;
}

function pinMismatch(socket: TLSSocket, pin: string): AnswerFetchError | null {
  const got = peerFingerprint(socket);
  if (got === pin) return null;
  return new AnswerFetchError(
    `the server's certificate (sha256:${got ? colonHex(got) : "none"}) is not the one ` +
      `pairboot.answer.fingerprint pins (sha256:${colonHex(pin)}): another machine may be answering; ` +
      `nothing was used`,
  );
}

/** GETs the answer; resolves with its text only when every pin matched. No redirects: they would move the trust. */
export function fetchAnswer(url: string, pins: AnswerPins, timeoutMs = 60_000): Promise<string> {
  const u = new URL(url);
  const secure = u.protocol === "https:";
  const pin = secure ? pins.fingerprint : null;
  const options: https.RequestOptions = { agent: false, signal: AbortSignal.timeout(timeoutMs) };
  if (pin !== null) {
    // The pin is the check: it replaces the certificate authorities and the host name match.
    options.rejectUnauthorized = false;
    options.checkServerIdentity = () => undefined;
  }
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    const req = (secure ? https : http).get(u, options, (res) => {
      if (pin !== null) {
        const wrong = pinMismatch(res.socket as TLSSocket, pin);
        if (wrong) {
          res.destroy();
          return fail(wrong);
        }
      }
      if (res.statusCode !== 200) {
        res.resume();
        const where = res.headers.location;
        return fail(
          new AnswerFetchError(
            `HTTP ${res.statusCode} ${res.statusMessage ?? ""}`.trim() +
              (where ? `: it redirects to ${where}; put that URL into pairboot.answer=` : ""),
          ),
        );
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) {
          res.destroy(new AnswerFetchError(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on("error", fail);
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        if (pins.sha256 !== null) {
          const got = createHash("sha256").update(body).digest("hex");
          if (got !== pins.sha256) {
            return fail(
              new AnswerFetchError(
                `the answer received (sha256 ${got}) is not the one pairboot.answer.sha256 names ` +
                  `(${pins.sha256}): it was changed or replaced on its way; nothing was used`,
              ),
            );
          }
        }
        resolve(body.toString("utf8"));
      });
    });
    if (pin !== null) {
      // Refuse before the request goes out when the handshake already shows the wrong server.
      req.on("socket", (s) =>
        s.once("secureConnect", () => {
          const wrong = pinMismatch(s as TLSSocket, pin);
          if (wrong) req.destroy(wrong);
        }),
      );
    }
    req.on("error", fail);
  });
}
