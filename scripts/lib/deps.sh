# Installs the Debian packages a script needs when their commands are missing.
# usage: ensure_packages cmd:package [cmd:package ...]
ensure_packages() {
  local need=() cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    # /usr/sbin is not on a non-root PATH, where nginx lives
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
  done
  ((${#need[@]})) || return 0
  echo "installing Debian packages: ${need[*]}" >&2
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
