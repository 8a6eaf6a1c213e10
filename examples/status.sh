#!/bin/sh
# status.sh: a status bot for a router or a small server, in POSIX sh
# (runs on BusyBox ash).
#
#   slackbot run --allow-users U0123ABCD --exec examples/status.sh
#
# Mention the bot (or write to it directly) with one of the words below.
# Anything else gets the list.  Restrict who may ask with --allow-users.
set -u
cmd=${SLACK_TEXT%% *}
case $cmd in
uptime)
	uptime
	;;
load)
	cat /proc/loadavg
	;;
disk)
	df -h / 2>/dev/null | tail -n 1
	;;
memory)
	free 2>/dev/null || grep -E 'MemTotal|MemAvailable' /proc/meminfo
	;;
who)
	echo "$(hostname) at your service, <@$SLACK_USER>"
	;;
*)
	echo "I know: uptime, load, disk, memory, who"
	;;
esac
