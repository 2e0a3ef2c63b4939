#!/bin/sh
# Bounded forker for process-tree tests. Never a fork bomb: starts at most 20 children,
# each of which only sleeps, prints "pid <n>" for every child it started, then waits.
#   sh forker.sh <count> [group|setsid]
# "setsid" starts each child in a new session, i.e. outside the process group.
n=${1:-5}
[ "$n" -gt 20 ] && n=20
mode=${2:-group}
i=0
while [ "$i" -lt "$n" ]; do
  if [ "$mode" = setsid ]; then setsid sleep 30 & else sleep 30 & fi
  echo "pid $!"
  i=$((i + 1))
done
echo ready
wait
