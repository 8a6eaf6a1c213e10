#!/bin/sh
# router.sh: a --pipe handler: one long-lived process that reads events as
# JSON lines and prints actions as JSON lines.
#
#   slackbot run --pipe examples/router.sh
#
# Actions it may print, one per line:
#   {"channel":"C..","thread_ts":"..","text":".."}  post a message
#   {"method":"reactions.add","args":{..}}          call any Web API method
#   {"response_url":"https://..","text":".."}       answer a slash command
# POSIX sh and sed only (BusyBox is enough).  It picks fields out of
# Slack's compact JSON with sed, which is fine for the flat fields used
# here; a handler that needs more should use a JSON tool.
field() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" |
	    head -n 1
}

# Text for a JSON string: backslashes and quotes escaped, one line.
quote() {
	printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  '
}

while IFS= read -r event; do
	channel=$(field "$event" channel)
	ts=$(field "$event" ts)
	thread=$(field "$event" thread_ts)
	[ -n "$thread" ] || thread=$ts
	text=$(field "$event" text)
	# Drop a leading mention of the bot: "<@U123> ping" -> "ping".
	word=$(printf '%s' "$text" | sed 's/^<@[^>]*> *//; s/ .*//')
	case $word in
	ping)
		reply="pong"
		;;
	date)
		reply=$(date -u '+%Y-%m-%d %H:%M UTC')
		;;
	look)
		printf '{"method":"reactions.add","args":{"channel":"%s",' \
		    "$channel"
		printf '"timestamp":"%s","name":"eyes"}}\n' "$ts"
		continue
		;;
	*)
		reply="try: ping, date, look"
		;;
	esac
	printf '{"channel":"%s","thread_ts":"%s","text":"%s"}\n' \
	    "$channel" "$thread" "$(quote "$reply")"
done
