// The client VM's programs: record writers, lock holders and probes on the NFS mounts. Perl, because
// perl-base is Essential in every Debian release the client boots (no Python, no Time::HiRes there); the
// clock is clock_gettime through syscall(2). Every error goes, with its errno text, into
// /root/errors-NAME.txt: a stalled hard mount only waits, an error is what a user's program would see.
//
//   labnfs write NAME DIR     one record "SEQ EPOCH" every 0.3 s onto DIR/stream-NAME.txt (open, write,
//                             fsync, close: acknowledged only when all four returned; then into
//                             /root/acked-NAME.txt)
//   labnfs hold NAME FILE     takes a POSIX write lock (fcntl F_SETLKW) on FILE and holds it until
//                             /root/stop-writer exists, writing to FILE through the locked descriptor
//                             every 2 s (a lost NFSv4 lock turns those writes into EIO); /root/held-NAME once held
//   labnfs try FILE           F_SETLK without waiting: prints HELD (exit 1) when another owner holds it,
//                             GOT (exit 0, released at once) when it was free, ERR (exit 2) on an error
//   labnfs new FILE           creates FILE (O_EXCL) and locks it (F_SETLKW): prints "start S open O lock L"
//                             (client epoch seconds) or "error ..."
import { largestGap, parseRecords } from "./stream.js";

export const LABNFS = String.raw`#!/usr/bin/perl
use strict;
use warnings;
use Fcntl qw(:DEFAULT :flock SEEK_SET);
use IO::Handle;
use Errno qw(EAGAIN EACCES);

sub now { my $b = "\0" x 16; syscall(228, 0, $b) == 0 or return time; my ($s, $ns) = unpack("q q", $b); return sprintf("%d.%09d", $s, $ns); }
sub lk { my ($fh, $cmd, $type) = @_; my $s = pack("s s x4 q q l x4", $type, SEEK_SET, 0, 0, 0); return fcntl($fh, $cmd, $s); }
sub append { my ($f, $l) = @_; open(my $o, ">>", $f) or return; print $o $l; close($o); }
# The client's local state (acknowledged records, errors, stop file): /root, or LABNFS_STATE for tests.
my $st = $ENV{LABNFS_STATE} || "/root";
sub stop { return -e "$st/stop-writer"; }
my ($cmd, @a) = @ARGV;

if ($cmd eq "write") {
  my ($name, $dir) = @a;
  my $i = 0;
  until (stop()) {
    $i++;
    my $t = now();
    my $ok = open(my $fh, ">>", "$dir/stream-$name.txt");
    my $err = $ok ? "" : "open: $!";
    if ($ok) {
      print $fh "$i $t\n" or $err = "write: $!";
      $err ||= "write: $!" unless $fh->flush;
      $err ||= "fsync: $!" unless $fh->sync;
      close($fh) or $err ||= "close: $!";
    }
    if ($err eq "") { append("$st/acked-$name.txt", "$i $t\n"); }
    else { append("$st/errors-$name.txt", "$i $t $err\n"); }
    select(undef, undef, undef, 0.3);
  }
} elsif ($cmd eq "hold") {
  my ($name, $file) = @a;
  sysopen(my $fh, $file, O_RDWR | O_CREAT) or do { append("$st/errors-hold-$name.txt", now() . " open: $!\n"); exit 2; };
  lk($fh, F_SETLKW, F_WRLCK) or do { append("$st/errors-hold-$name.txt", now() . " lock: $!\n"); exit 2; };
  append("$st/held-$name", "$$ " . now() . "\n");
  my $n = 0;
  until (stop()) {
    $n++;
    my $ok = sysseek($fh, 0, SEEK_SET) && defined(syswrite($fh, "held $n " . now() . "\n")) && $fh->sync;
    # A lock that is gone stays gone: said once, and the holder ends (a later check finds the lock free).
    unless ($ok) { append("$st/errors-hold-$name.txt", now() . " write through the lock: $!\n"); exit 3; }
    sleep 2;
  }
} elsif ($cmd eq "try") {
  my ($file) = @a;
  sysopen(my $fh, $file, O_RDWR) or do { print "ERR open: $!\n"; exit 2; };
  if (lk($fh, F_SETLK, F_WRLCK)) { lk($fh, F_SETLK, F_UNLCK); print "GOT\n"; exit 0; }
  if ($! == EAGAIN || $! == EACCES) { print "HELD\n"; exit 1; }
  print "ERR lock: $!\n"; exit 2;
} elsif ($cmd eq "new") {
  my ($file) = @a;
  my $s = now();
  sysopen(my $fh, $file, O_RDWR | O_CREAT | O_EXCL) or do { print "error open: $!\n"; exit 2; };
  my $o = now();
  lk($fh, F_SETLKW, F_WRLCK) or do { print "error lock: $!\n"; exit 2; };
  my $l = now();
  syswrite($fh, "new\n"); $fh->sync; lk($fh, F_SETLK, F_UNLCK); close($fh);
  print "start $s open $o lock $l\n";
} else { die "usage: labnfs write|hold|try|new ...\n"; }
`;

/** The two mounts of the one client VM: the distribution's defaults (NFSv4.2) and NFSv3 with locking. */
export interface Mount {
  name: "v4" | "v3";
  dir: string;
  /** mount(8) options; none for the defaults. */
  options?: string;
  /** What `grep MOUNT /proc/mounts` must show. */
  expectVers: RegExp;
}
export const MOUNTS: readonly Mount[] = [
  { name: "v4", dir: "/mnt/v4", expectVers: /vers=4\.2/ },
  { name: "v3", dir: "/mnt/v3", options: "vers=3", expectVers: /vers=3/ },
];

/** The file each mount's holder locks: locks/NAME.lock under the export. */
export const lockFile = (dir: string, name: string) => `${dir}/locks/${name}.lock`;

export type NewOpenLock =
  { ok: true; start: number; open: number; lock: number } | { ok: false; error: string };

export function parseNewOpenLock(text: string): NewOpenLock | undefined {
  const m = /start (\d+\.\d+) open (\d+\.\d+) lock (\d+\.\d+)/.exec(text);
  if (m) return { ok: true, start: Number(m[1]), open: Number(m[2]), lock: Number(m[3]) };
  const e = /error (.*)/.exec(text);
  return e ? { ok: false, error: (e[1] ?? "").trim() } : undefined;
}

/**
 * When a stream wrote again after the fault at `since` (client clock): the stalled record's
 * acknowledgement, i.e. the end of the largest pause that follows. A record's time is taken before its
 * append and the writer sleeps 0.3 s after each acknowledgement, so that is the next record's time less 0.3 s.
 */
export function resumeAfter(
  ackedText: string,
  since: number,
  within = 600,
): { stalledAt: number; resumed: number; gap: number } | undefined {
  const g = largestGap(parseRecords(ackedText).records, since - 1, since + within);
  if (!g || g.to < since) return undefined;
  return { stalledAt: g.from, resumed: Math.max(g.from, g.to - 0.3), gap: g.seconds };
}

/**
 * The client epoch at which the service IP answered the client again after an outage that began after
 * `since`: the reply that ends the longest silence (at least 1.5 s) in `ping -D` output; undefined when
 * the replies never paused.
 */
export function answeredAgain(pingText: string, since: number): number | undefined {
  let prev: number | undefined;
  let best: { gap: number; at: number } | undefined;
  for (const line of pingText.split("\n")) {
    const m = /^\[(\d+\.\d+)\] \d+ bytes from/.exec(line);
    if (!m) continue;
    const t = Number(m[1]);
    if (t < since) {
      prev = t;
      continue;
    }
    const gap = t - (prev ?? since);
    if (gap >= 1.5 && (!best || gap > best.gap)) best = { gap, at: t };
    prev = t;
  }
  return best?.at;
}
