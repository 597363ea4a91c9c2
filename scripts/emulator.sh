# Sourced by the CI scripts and benchmarks: start `oauth-preflight emulate` for one app and read
# its ready line. Usage: start_emulator BIN APP WORKDIR [emulate flags...]
# Sets emu_pid, authority, graph, contoso (tenant id), ca (PEM path), client_id, secret.
# The caller kills "$emu_pid" in its EXIT trap.
start_emulator() {
  local bin=$1 app=$2 work=$3
  shift 3
  "$bin" emulate --app "$app" --ca-out "$work/ca.pem" "$@" > "$work/ready.json" &
  emu_pid=$!
  for _ in $(seq 200); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
  [ -s "$work/ready.json" ] || { echo "the emulator did not start" >&2; return 1; }
  ca="$work/ca.pem"
  read -r authority graph contoso < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["authority"], r["graph"], r["tenants"]["contoso"]["id"])' "$work/ready.json")
  read -r client_id secret < <(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["appId"], a["x-emulator"]["secrets"][0]["value"])' "$app")
}
