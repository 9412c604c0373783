#!/bin/sh
# Runs pairboot on one console of the live system, and offers a shell, a restart, a reboot or power-off
# when it exits. Started by pairboot@TTY.service.
#   console.sh --wanted TTY   exit 0 if pairboot should run on TTY (tty1 always; a serial port only when
#                             a console= argument on the kernel command line names it)
#   console.sh TTY            run it there
if [ "$1" = "--wanted" ]; then
  case "$2" in
    tty1) exit 0 ;;
  esac
  for word in $(cat /proc/cmdline); do
    case "$word" in
      console="$2" | console="$2",*) exit 0 ;;
    esac
  done
  exit 1
fi

tty="$1"
case "$tty" in
  ttyS* | ttyAMA* | hvc*)
    # A serial line has no window size: without one the TUI draws a 1x1 screen.
    stty rows 24 cols 80
    TERM=vt220
    ;;
  *) TERM=linux ;;
esac
export TERM

while :; do
  /usr/local/bin/pairboot iso start --tty "$tty"
  rc=$?
  printf '\npairboot exited (status %s).\n' "$rc"
  printf 'Enter: start pairboot again   s: root shell   r: reboot   p: power off\n> '
  read -r choice || sleep 5
  case "$choice" in
    s | S) printf 'Type exit to come back to pairboot.\n'; /bin/bash -l ;;
    r | R) systemctl reboot; sleep 60 ;;
    p | P) systemctl poweroff; sleep 60 ;;
  esac
done
