#!/bin/sh
# The Temporal server container: broadcast this container's address unless told otherwise.
set -eu
export TEMPORAL_BROADCAST_ADDRESS="${TEMPORAL_BROADCAST_ADDRESS:-$(hostname -i | cut -d' ' -f1)}"
exec temporal-server --config-file /etc/temporal/server.yaml --allow-no-auth start
