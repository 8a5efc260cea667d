# Shared by tests/cluster/{up,down,build}: names, paths and ports of a test cluster.
# shellcheck shell=bash
CLUSTER_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$CLUSTER_HERE/versions.env"
TESTBINS=${MCPK_TESTBIN_CACHE:-$HOME/.cache/mcp-kubernetes/testbins}
K8S_BIN=$TESTBINS/k8s-$K8S_VERSION
ETCD_BIN=$TESTBINS/etcd-$ETCD_VERSION/etcd
KWOK_BIN=$TESTBINS/kwok-$KWOK_VERSION/kwok
CLUSTERS_ROOT=${MCPK_CLUSTERS_ROOT:-/tmp/mcpk-clusters}

kubectl_bin() {
  if [[ -x $K8S_BIN/kubectl ]]; then echo "$K8S_BIN/kubectl"; else command -v kubectl; fi
}

# cluster_vars NAME: sets DIR and the ports of cluster NAME. Ports are derived from the name
# (a 20-port slot among 1000 between 12000 and 31999: below Linux's ephemeral range, which
# starts at 32768, so no outgoing connection can hold them), so clusters with different
# names can run side by side and the same name always gets the same ports.
cluster_vars() {
  CLUSTER_NAME=$1
  if [[ ! $CLUSTER_NAME =~ ^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$ ]]; then
    echo "cluster name '$CLUSTER_NAME' must be a short DNS label (a-z, 0-9, '-')" >&2
    return 2
  fi
  DIR=$CLUSTERS_ROOT/$CLUSTER_NAME
  local slot
  slot=$(($(printf '%s' "$CLUSTER_NAME" | cksum | cut -d' ' -f1) % 1000))
  PORT_BASE=$((12000 + slot * 20))
  PORT_ETCD_CLIENT=$PORT_BASE
  PORT_ETCD_PEER=$((PORT_BASE + 1))
  PORT_ETCD_METRICS=$((PORT_BASE + 2))
  PORT_APISERVER=$((PORT_BASE + 3))
  PORT_KUBELET=$((PORT_BASE + 4))
  PORT_KCM=$((PORT_BASE + 5))
  PORT_SCHEDULER=$((PORT_BASE + 6))
  PORT_PF_TARGET=$((PORT_BASE + 7))
  PORTS=("$PORT_ETCD_CLIENT" "$PORT_ETCD_PEER" "$PORT_ETCD_METRICS" "$PORT_APISERVER" "$PORT_KUBELET"
         "$PORT_KCM" "$PORT_SCHEDULER" "$PORT_PF_TARGET")
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive FILE: the process recorded in FILE is still ours (same PID, same executable).
pid_alive() {
  local f=$1 pid exe
  [[ -f $f ]] || return 1
  read -r pid exe <"$f"
  [[ -n $pid && -d /proc/$pid ]] || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]]
}
