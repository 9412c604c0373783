import { describe, expect, it } from "vitest";
import { isSerialDevice } from "../../src/apply/present.js";

describe("where the install's progress list is redrawn in place", () => {
  it("treats serial ports as lines, not screens", () => {
    for (const dev of [
      "/dev/ttyS0",
      "/dev/ttyS1",
      "/dev/ttyUSB0",
      "/dev/ttyACM0",
      "/dev/ttyAMA0",
      "/dev/hvc0",
    ])
      expect(isSerialDevice(dev), dev).toBe(true);
  });

  it("redraws on virtual consoles and pseudo-terminals (ssh, tmux)", () => {
    for (const dev of ["/dev/tty1", "/dev/tty12", "/dev/pts/3", "/dev/console", "pipe:[1234]", "/dev/null"])
      expect(isSerialDevice(dev), dev).toBe(false);
  });
});
