# Source this file (`. scripts/use-node24.sh`): it leaves a Node.js >= 22.12 first on PATH.
#
# Mesh Inspector targets Node 24 LTS (package.json engines: >=22.12). Where the system's Node is
# older (Node 20 reached end of life in April 2026, and some machines still ship it), Node 24 is
# taken from the npm registry's `node@24` package, which carries the official binary, installed
# once into ${XDG_CACHE_HOME:-~/.cache}/mesh-inspector/node24. Nothing else is downloaded, and a
# system Node that is new enough is used as it is.
_mi_node_ok() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}
if ! _mi_node_ok; then
  _mi_dir="${XDG_CACHE_HOME:-$HOME/.cache}/mesh-inspector/node24"
  if [ ! -x "$_mi_dir/node_modules/.bin/node" ]; then
    echo "use-node24: system Node is $(node -v 2>/dev/null || echo missing); installing node@24 from the npm registry into $_mi_dir" >&2
    mkdir -p "$_mi_dir"
    npm install --prefix "$_mi_dir" --no-audit --no-fund --no-save --loglevel=error node@24 >&2 || return 1 2>/dev/null || exit 1
  fi
  PATH="$_mi_dir/node_modules/.bin:$PATH"
  export PATH
  hash -r 2>/dev/null || true
  _mi_node_ok || { echo "use-node24: $(node -v) is still older than 22.12" >&2; return 1 2>/dev/null || exit 1; }
  unset _mi_dir
fi
unset -f _mi_node_ok
