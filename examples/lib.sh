# Shared by the examples' run scripts: builds jipc (through ./jipc) and the example's classes when
# needed, and gives the java command line that runs them with jipc on the module path.
# Usage, from examples/NAME/run:   source "$(dirname "$(readlink -f "$0")")/../lib.sh"; build_example; "${java[@]}" Main args
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../scripts/find-jdk.sh
source "$root/scripts/find-jdk.sh"

build_example() {
  "$root/jipc" --version >/dev/null        # builds the library on first use or after changes
  local core="$root/jipc-cli/target/modules/jipc-core.jar" classes="$here/target/classes" stamp
  jdk="${JIPC_JAVA_HOME:-$(find_jdk)}"
  stamp="$classes/.built"
  if [[ ! -f "$stamp" || "$core" -nt "$stamp" || -n $(find "$here" -maxdepth 1 -name '*.java' -newer "$stamp") ]]; then
    mkdir -p "$classes"
    "$jdk/bin/javac" -d "$classes" --module-path "$core" --add-modules io.jipc "$here"/*.java
    touch "$stamp"
  fi
  # Native access for the library module alone; the example is on the class path.
  java=("$jdk/bin/java" --enable-native-access=io.jipc --module-path "$core" --add-modules io.jipc
        -cp "$classes" -XX:TieredStopAtLevel=1)
}
