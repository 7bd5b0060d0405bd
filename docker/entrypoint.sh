#!/bin/sh
# `docker run IMAGE` serves the bento on port $PORT (3000); `docker run IMAGE predict …`
# scores a file with the same model and contract (`make predict`); anything else runs as is.
set -eu
command="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$command" in
  serve) exec bentoml serve "$BENTO_PATH" --host "${HOST:-0.0.0.0}" --port "${PORT:-3000}" "$@" ;;
  predict) exec python -m classifier predict "$@" ;;
  *) exec "$command" "$@" ;;
esac
