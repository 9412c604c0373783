#!/usr/bin/env bash
# Compares pairboot clone with the bare tools on the same source disk (root; loop devices in a temp dir):
#   pairboot clone send --to-image, then receive --from-image (encrypted and authenticated, AES-256-GCM records)
#   pairboot clone send | receive over loopback TCP (the same records; B verifies each before writing it)
#   partclone.ext4 -a0 | zstd | nc  ->  nc | zstd -d | partclone.ext4 -r   (no crypto, no checks)
#   dd of the OS partition
# Caches are not dropped (the host is shared), so every run reads a warm source; compare, don't quote.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-clone: needs root (loop devices)" >&2; exit 1; }
DIR=$(mktemp -d /tmp/pairboot-bench-XXXXXX)
LOOPS=()
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  [ -f "$DIR/source-device" ] && losetup -d "$(cat "$DIR/source-device")" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'echo "bench-clone: failed at line $LINENO" >&2; tail -5 "$DIR"/*.err "$DIR"/*.log 2>/dev/null >&2' ERR
PB=(node bin/pairboot.js)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mib() { awk -v n="$1" 'BEGIN { printf "%.1f MiB", n / 1048576 }'; }
# Sets TARGET to a fresh 8 GiB loop device (not via $(...): LOOPS must be updated in this shell).
target() {
  truncate -s 8G "$DIR/$1.img"
  TARGET=$(losetup -f --show -P "$DIR/$1.img")
  LOOPS+=("$TARGET")
}

echo "building node A's disk (7 GiB, OS ext4 5 GiB with ~500 MiB of files)..."
SRC=$(npx tsx test/system/clone-fixture.ts "$DIR" 2>/dev/null | tail -1)
OS="${SRC}p3"
USED=$(dumpe2fs -h "$OS" 2>/dev/null | awk -F: '/^Block count/{c=$2}/^Free blocks/{f=$2}/^Block size/{b=$2}END{print (c-f)*b}')
OSBYTES=$(blockdev --getsize64 "$OS")
# The image is keyed with the cluster secrets of the answer node A's disk carries (node B's stick has the same).
(umask 077; debugfs -R "cat /etc/pairboot/answer.yaml" "$OS" > "$DIR/answer.yaml" 2>/dev/null)

# 1. pairboot image file
T=$(now); "${PB[@]}" clone send --disk "$SRC" --to-image "$DIR/a.pbimg" >/dev/null; T1=$(now)
IMG_SEND=$(elapsed "$T" "$T1")
IMG=$(stat -c %s "$DIR/a.pbimg")
target img; B1=$TARGET
T=$(now); "${PB[@]}" clone receive --from-image "$DIR/a.pbimg" --answer "$DIR/answer.yaml" --disk "$B1" --keep-identity >/dev/null; T2=$(now)
IMG_RECV=$(elapsed "$T" "$T2")

# 2. pairboot over loopback TCP
target net; B2=$TARGET
(umask 077; echo BENC-H2CK-XNE3 > "$DIR/code") # the code never goes on argv
"${PB[@]}" clone send --disk "$SRC" --port 17791 --code-file "$DIR/code" > "$DIR/send.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do grep -q "Pairing code" "$DIR/send.log" 2>/dev/null && break; sleep 0.2; done
T=$(now); "${PB[@]}" clone receive --from 127.0.0.1:17791 --code-file "$DIR/code" --disk "$B2" --keep-identity > "$DIR/recv.log"; T3=$(now)
wait "${PIDS[-1]}"
NET=$(elapsed "$T" "$T3")
WIRE=$(grep -o '[0-9.]* MiB compressed' "$DIR/send.log" | awk '{s+=$1} END {printf "%.1f MiB", s}')

# 3. bare partclone | zstd | nc
target raw; B3=$TARGET
sfdisk --dump "$SRC" | sed -e '/^last-lba/d' -e '/^device/d' -e 's/^[^ ]* : //' | sfdisk -q "$B3"
blockdev --rereadpt "$B3" || true
for i in $(seq 50); do
  [ -b "${B3}p3" ] && break
  [ "$i" = 10 ] && { partx -a "$B3" 2>/dev/null || true; }
  sleep 0.1
done
# partclone and dd would create a regular file in /dev if the node were missing.
[ -b "${B3}p3" ] || { echo "bench-clone: ${B3}p3 did not appear" >&2; exit 1; }
T=$(now)
nc -l 127.0.0.1 17792 | zstd -q -d -c | partclone.ext4 -q -r -f 1 -L "$DIR/r.log" -s - -o "${B3}p3" 2>"$DIR/r.err" & RP=$!; PIDS+=("$RP")
for _ in $(seq 100); do ss -ltn | grep -q '127.0.0.1:17792 ' && break; sleep 0.1; done
partclone.ext4 -q -c -a0 -f 1 -L "$DIR/c.log" -s "$OS" -o - 2>"$DIR/c.err" | zstd -q -T0 -3 -c | tee >(wc -c > "$DIR/raw.bytes") | nc -N 127.0.0.1 17792
wait $RP; sync; T4=$(now)
RAW=$(elapsed "$T" "$T4")

# 4. dd of the OS partition
T=$(now); dd if="$OS" of="${B3}p3" bs=4M conv=fsync status=none; T5=$(now)
DD=$(elapsed "$T" "$T5")

# 5. what every pairboot command pays before it does anything: Node, tsx compiling the TypeScript
T=$(now); "${PB[@]}" clone --help >/dev/null; T6=$(now)
START=$(elapsed "$T" "$T6")

printf '\n%-58s %s\n' "OS partition size" "$(mib "$OSBYTES")"
printf '%-58s %s\n' "OS bytes in use (dumpe2fs)" "$(mib "$USED")"
printf '%-58s %s\n' "pairboot image file size (ESP + OS, zstd -3)" "$(mib "$IMG")"
printf '%-58s %s\n' "pairboot bytes sent over TCP (compressed, before sealing)" "$WIRE"
printf '%-58s %s\n' "bare partclone | zstd -3 bytes (OS only)" "$(mib "$(cat "$DIR/raw.bytes")")"
printf '%-58s %s\n' "dd bytes (whole OS partition)" "$(mib "$OSBYTES")"
echo
printf '%-58s %s s\n' "pairboot clone send --to-image" "$IMG_SEND"
printf '%-58s %s s\n' "pairboot clone receive --from-image (verify + restore)" "$IMG_RECV"
printf '%-58s %s s\n' "pairboot clone over loopback TCP (receive wall time)" "$NET"
printf '%-58s %s s\n' "partclone -a0 | zstd | nc  ->  nc | zstd -d | partclone -r" "$RAW"
printf '%-58s %s s\n' "dd if=OS of=OS bs=4M conv=fsync" "$DD"
printf '%-58s %s s\n' "pairboot CLI start-up alone (clone --help)" "$START"
echo "(each pairboot time includes one CLI start-up; the live stick runs an esbuild bundle instead of tsx)"
