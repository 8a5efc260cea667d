# Shared by tests/oauth/{dex-up,dex-down}: names, paths and ports of a test Dex.
# shellcheck shell=bash
OAUTH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cluster/lib.sh
. "$OAUTH_HERE/../cluster/lib.sh"
DEX_BIN=$TESTBINS/dex-$DEX_VERSION/dex
OAUTH_ROOT=${MCPK_OAUTH_ROOT:-/tmp/mcpk-oauth}

# oauth_vars NAME: sets DIR and the ports of the Dex named NAME. They come from the same
# 20-port slot as the ports of a cluster of that name (tests/cluster/lib.sh), whose first 8
# ports the cluster uses; a Dex and a cluster of the same name therefore never collide:
#   slot+10            Dex (HTTPS, 127.0.0.1)
#   slot+11 .. slot+15 the ports an MCP server under test may listen on when it is Dex's
#                      client: the redirect URIs http(s)://{127.0.0.1,localhost}:PORT/oauth/callback
#                      of client mcp-server are registered for exactly these ports.
oauth_vars() {
  cluster_vars "$1" || return
  DIR=$OAUTH_ROOT/$CLUSTER_NAME
  PORT_DEX=$((PORT_BASE + 10))
  SERVER_PORTS=()
  local i
  for i in 11 12 13 14 15; do SERVER_PORTS+=($((PORT_BASE + i))); done
}
