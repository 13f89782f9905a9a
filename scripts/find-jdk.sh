#!/usr/bin/env bash
# Finds a JDK >= 22 the same way for ./jipc (which sources this file) and for the Maven build
# (which runs it in the validate phase, before the toolchains plugin picks the JDK to compile with).
# Run directly: prints the JDK's home, or one line saying what to install and exits 1.

min_java=${JIPC_MIN_JAVA:-22}

# Prints the feature version of the JDK at $1 (from its release file: no JVM start), or nothing.
jdk_version() {
  local release="$1/release" v
  [[ -x "$1/bin/java" && -x "$1/bin/javac" && -r "$release" ]] || return 0
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  [[ -n "$v" ]] && echo "$v"
  return 0
}

# Prints the home of the newest JDK >= $min_java among the usual places; fails if there is none.
find_jdk() {
  local candidates=() c v best="" best_v=0 javac_path
  [[ -n "${JIPC_JAVA_HOME:-}" ]] && candidates+=("$JIPC_JAVA_HOME")
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  if javac_path=$(command -v javac 2>/dev/null); then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$javac_path")")")")
  fi
  for c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [[ -d "$c" ]] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    v=$(jdk_version "$c")
    if [[ -n "$v" && "$v" -ge "$min_java" && "$v" -gt "$best_v" ]]; then
      best="$c"; best_v="$v"
    fi
  done
  if [[ -z "$best" ]]; then
    echo "jipc: no JDK >= $min_java found (looked at JIPC_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm, SDKMAN);" \
         "install a JDK $min_java or newer (e.g. Temurin 25) under /usr/lib/jvm, or point JIPC_JAVA_HOME at one" >&2
    return 1
  fi
  echo "$best"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  home=$(find_jdk)
  [[ "${1:-}" == --quiet ]] || echo "$home"
fi
