#!/bin/sh
# echo.sh: the smallest handler: answer with what was said.
#
#   slackbot run --exec examples/echo.sh
#
# slackbot runs it once per direct message or mention of the bot, with
# the event's JSON on standard input and SLACK_TEXT, SLACK_USER,
# SLACK_CHANNEL... in the environment; what it prints is posted in the
# thread.  The text only ever arrives as data: never pass it to eval.
printf '<@%s> said: %s\n' "$SLACK_USER" "$SLACK_TEXT"
