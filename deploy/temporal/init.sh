#!/bin/sh
# Creates the namespace (the server makes none) and registers the search attributes agent
# runs set. Idempotent. Run by `npm run cluster -- up` and by docker-compose.yml's
# temporal-init service; TEMPORAL_ADDRESS says where the frontend is.
set -eu
CLI="${TEMPORAL_CLI:-temporal}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-72h}"
if ! "$CLI" operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  "$CLI" operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
fi
# A new namespace reaches the frontend's cache after a refresh (about 10 s): wait for it.
tries=0
until "$CLI" operator search-attribute list --namespace "$NAMESPACE" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then
    echo "init: namespace $NAMESPACE still not served after 60 s" >&2
    exit 1
  fi
  sleep 0.5
done
# Keep in step with src/client/search-attributes.ts (a test checks it).
for sa in AgentOsPolicyHash:Keyword AgentOsModel:Keyword AgentOsPendingApprovals:Int; do
  name=${sa%%:*}
  type=${sa##*:}
  if ! "$CLI" operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$name"; then
    "$CLI" operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
  fi
done
echo "init: namespace $NAMESPACE ready"
