#!/bin/sh
# Entry point of the kong container (see docker-compose.yml): render the declarative config with
# the mounted JWT public key, then start Kong through the image's own entrypoint.
set -eu
sh /opt/lms/kong/render-kong-config.sh "$LMS_KONG_CONFIG_TEMPLATE" "$KONG_DECLARATIVE_CONFIG"
exec /docker-entrypoint.sh kong docker-start
