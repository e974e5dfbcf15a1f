#!/usr/bin/env bash
# Skiff's one entry point.
#   ./build.sh server [skiff server flags...]  install what is missing, build Release, run `skiff server` in the foreground
#   ./build.sh test                            install, build, run every test project; prints "N passed, N failed, N skipped"
#   ./build.sh build                           install and build Release only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
CONFIGURATION=Release
SOLUTION=Skiff.slnx
RESULTS_DIR=.test-results

log() { echo "build.sh: $*" >&2; }

# NuGet restores fail now and then for about a minute at a time; a restore is retried, a compile error is not.
retry() {
  local attempts=${RETRY_ATTEMPTS:-5} delay=${RETRY_DELAY_SECONDS:-20} n=1
  until "$@"; do
    if ((n >= attempts)); then
      log "'$*' failed $n times; giving up"
      return 1
    fi
    log "'$*' failed (attempt $n of $attempts); retrying in ${delay}s"
    sleep "$delay"
    n=$((n + 1))
  done
}

setup() {
  ./scripts/setup-debian.sh
}

build() {
  local target=$1
  retry dotnet restore "$target" --nologo -v quiet
  dotnet build "$target" -c "$CONFIGURATION" --no-restore --nologo -v quiet -clp:NoSummary
}

# The solution's test projects, in solution order.
test_projects() {
  dotnet sln "$SOLUTION" list | tr -d '\r' | grep -E '\.csproj$' | while read -r project; do
    if grep -qE '<IsTestProject>\s*true\s*</IsTestProject>|Microsoft\.NET\.Test\.Sdk' "$project"; then
      echo "$project"
    fi
  done
}

# Reads one counter attribute of a trx file's <Counters> element.
counter() {
  local name=$1 file=$2 value
  value=$(grep -o "<Counters [^>]*" "$file" | grep -o " $name=\"[0-9]*\"" | head -1 | grep -o '[0-9]\+' || true)
  echo "${value:-0}"
}

run_tests() {
  rm -rf "$RESULTS_DIR"
  mkdir -p "$RESULTS_DIR"
  local results_abs
  results_abs=$(cd "$RESULTS_DIR" && pwd)

  local -a projects summary
  mapfile -t projects < <(test_projects)
  if ((${#projects[@]} == 0)); then
    log "no test projects in $SOLUTION"
    return 1
  fi

  local total_passed=0 total_failed=0 total_skipped=0 broken=0
  for project in "${projects[@]}"; do
    local name trx code=0
    name=$(basename "$project" .csproj)
    trx="$results_abs/$name.trx"
    log "running $name"
    # One process per project; a test hung for 15 minutes is killed rather than holding up the run.
    dotnet test "$project" -c "$CONFIGURATION" --no-build --nologo \
      --logger "trx;LogFileName=$name.trx" \
      --results-directory "$results_abs" \
      --blame-hang-timeout 15m --blame-hang-dump-type none || code=$?

    local passed=0 failed=0 skipped=0 note=""
    if [[ -f $trx ]]; then
      passed=$(counter passed "$trx")
      failed=$(($(counter failed "$trx") + $(counter error "$trx") + $(counter timeout "$trx") + $(counter aborted "$trx")))
      # xunit's skipped tests are neither executed nor counted as notExecuted.
      skipped=$(($(counter total "$trx") - $(counter executed "$trx")))
      ((skipped >= 0)) || skipped=0
      if ((code != 0 && failed == 0)); then
        note=" (exit code $code with no failed test: counted as a broken suite)"
        broken=$((broken + 1))
      fi
    elif ((code == 0)); then
      note=" (no tests)"
    else
      note=" (did not run: exit code $code, no results)"
      broken=$((broken + 1))
    fi
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    summary+=("  suite $name - passed $passed, failed $failed, skipped $skipped$note")
  done

  echo
  echo "Test suites (trx results in $RESULTS_DIR/):"
  printf '%s\n' "${summary[@]}"
  if ((broken > 0)); then
    echo "  $broken suite(s) failed to run"
  fi
  echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
  ((total_failed == 0 && broken == 0))
}

command=${1:-}
case "$command" in
  server)
    shift
    setup
    build src/Skiff/Skiff.csproj
    # exec: signals (Ctrl+C, SIGTERM) go straight to skiff, which stops cleanly.
    exec "src/Skiff/bin/$CONFIGURATION/net10.0/skiff" server "$@"
    ;;
  test)
    setup
    build "$SOLUTION"
    run_tests
    ;;
  build)
    setup
    build "$SOLUTION"
    ;;
  *)
    echo "usage: $0 server [skiff server flags...] | test | build" >&2
    exit 2
    ;;
esac
