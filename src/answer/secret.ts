// The one generator of cluster secrets, for every path that makes them (the answer loader, the wizard's
// draft, a dry run): pure apart from the randomness, so the wizard's model can use it.
import { randomBytes } from "node:crypto";

/** 32 random bytes as base64url: 43 characters of [A-Za-z0-9_-], valid for both DRBD and Heartbeat. */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * A BMC password: 12 random bytes as base64url, 16 characters, which fits IPMI 1.5's 16-byte limit (lan)
 * as well as IPMI 2.0's 20 (lanplus).
 */
export function generateBmcPassword(): string {
  return randomBytes(12).toString("base64url");
}
