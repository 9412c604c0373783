// Entry point of the small `pairboot status` bundle the lab hands to the nodes over 9p, for installed roots
// that carry no Node and no pairboot (the rootfs source; the live image's root will carry both).
import { run } from "../../src/cli/status.js";

const argv = process.argv.slice(2);
if (argv[0] === "status") argv.shift();
run(argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pairboot status: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
