#!/usr/bin/env bash
# End to end with a real browser: headless Chromium (Debian's) as `run --browser` against the
# emulator, then on the HTML report (file://). Run by .ci/run; installs chromium if missing.
#  - a good app: the flow completes (exit 0), the tab's final page says all checks pass;
#  - a broken app (expired secret): the final page names each failing check and its fix;
#  - a hostile displayName (<img onerror>, </style>, <script>): text in the tab and in the report;
#  - curl as the browser: the tab's page carries the Content-Security-Policy header;
#  - the HTML report: failing checks with fix and command, on a desktop and a phone, and printed.
# Screenshots (and the printed PDF) are kept in artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p artifacts
art="$PWD/artifacts"
rm -f "$art"/chromium-*.png "$art/chromium-report.pdf"

cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/oauth-preflight"
good=fixtures/apps/good-multitenant.json
broken=fixtures/apps/expired-secret.json
# The hostile app: a good one (its own appId) under a display name that is markup.
# Not hostile.json: run_case writes its report there, and a report never replaces an input.
hostile="$work/hostile-app.json"
python3 - fixtures/apps/good-personal-accounts.json "$hostile" <<'EOF'
import json, sys
app = json.load(open(sys.argv[1]))
app["displayName"] = "<img src=x onerror=alert(1)></style><script>alert(2)</script> & co"
json.dump(app, open(sys.argv[2], "w"))
EOF
. scripts/emulator.sh
start_emulator "$bin" "$good" "$work" --app "$broken" --app "$hostile"
ids() { python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["appId"], a["x-emulator"]["secrets"][0]["value"])' "$1"; }

# As root Chromium needs --no-sandbox; the background-networking flags keep it off the network.
chrome="chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors --disable-quic \
 --no-first-run --disable-background-networking --disable-component-update --disable-sync"
# The browser `run` starts: Chromium, which screenshots the final page and dumps its DOM.
cat > "$work/browser.sh" <<EOF
#!/bin/sh
exec $chrome --user-data-dir="$work/profile-\$1" --window-size=900,1100 \
  --screenshot="\$2" --dump-dom "\$4" > "\$3" 2>/dev/null
EOF
chmod +x "$work/browser.sh"

# run_case NAME APP [run flags...]: `run` of APP with Chromium as the browser; sets status.
run_case() {
  local name=$1 app=$2 id secret
  shift 2
  read -r id secret < <(ids "$app")
  set +e
  OAUTH_PREFLIGHT_CLIENT_SECRET="$secret" "$bin" run --client-id "$id" --authority "$authority" \
    --graph "$graph" --ca-cert "$ca" --app "$app" --redirect-uri http://localhost:0/oauth2/callback \
    --timeout 60 --format json --output "$work/$name.json" --report "html=$work/$name.html" "$@" \
    --browser "$work/browser.sh $name $art/chromium-$name.png $work/$name.dom.html" \
    2> "$work/$name.stderr"
  status=$?
  set -e
}

# page.py DOM [REPORT.json] [--names TEXT] [--want TEXT]...: the page as Chromium parsed it is
# text only where text came from outside (no img, script, iframe, object, link; one style
# element), holds each TEXT, and for REPORT names each failing check with its fix (and command).
cat > "$work/page.py" <<'EOF'
import html.parser, json, sys
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.text = []
    def handle_starttag(self, tag, attrs): self.tags.append(tag)
    def handle_data(self, data): self.text.append(data)
page = Page(); page.feed(open(sys.argv[1]).read())
text = " ".join(" ".join(page.text).split())
bad = [t for t in page.tags if t in ("img", "script", "iframe", "object", "embed", "link")]
problems = [f"a <{t}> element" for t in bad]
if page.tags.count("style") != 1:
    problems.append(f"{page.tags.count('style')} style elements")
args, want = sys.argv[2:], []
while args:
    a = args.pop(0)
    if a == "--want":
        want.append(args.pop(0))
    else:
        for c in json.load(open(a))["reports"][0]["checks"]:
            if c["status"] == "fail":
                want.append(c["id"]); want.append(" ".join(c["fix"].split()))
                if "fix_command" in c: want.append(" ".join(c["fix_command"].split()))
problems += [f"missing {w!r}" for w in want if w not in text]
print("; ".join(problems) or "ok")
sys.exit(1 if problems else 0)
EOF
page() { python3 "$work/page.py" "$@" > "$work/page.out" 2>&1 || { cat "$work/page.out"; return 1; }; }
png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi; }

run_case good "$good"
check '[ "$status" = 0 ]' "good app: run exits 0 with Chromium as the browser (exit $status)"
# Every id is in the report; with --app (no service principal in it) the skips are
# sp.assignment and tenancy.other-tenant (one account shows neither) and ngrok.policy and
# ngrok.access (no policy given).
check 'python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[\"reports\"][0]; s=[c[\"id\"] for c in r[\"checks\"] if c[\"status\"]==\"skip\"]; sys.exit(r[\"summary\"][\"fail\"] or s != [\"sp.assignment\", \"tenancy.other-tenant\", \"ngrok.policy\", \"ngrok.access\"] or len(r[\"checks\"]) != 21)" "$work/good.json"' \
  "good app: every check ran and passed (skipped: sp.assignment, tenancy.other-tenant, ngrok.*)"
check 'page "$work/good.dom.html" --want "checks pass"' "good app: the tab's final page says all checks pass"
check 'png "$art/chromium-good.png"' "good app: a PNG screenshot of the tab ($art/chromium-good.png)"

run_case broken "$broken"
check '[ "$status" = 1 ]' "broken app: run exits 1 (exit $status)"
check 'page "$work/broken.dom.html" "$work/broken.json" --want "checks fail"' \
  "broken app: the tab names each failing check, its fix and its command"
check 'png "$art/chromium-broken.png"' "broken app: a PNG screenshot of the tab"

run_case hostile "$hostile"
check '[ "$status" = 0 ]' "hostile name: run exits 0 (exit $status)"
check 'page "$work/hostile.dom.html" --want "<img src=x onerror=alert(1)></style><script>alert(2)</script> & co"' \
  "hostile name: text in the tab, no element made of it"
check 'png "$art/chromium-hostile.png"' "hostile name: a PNG screenshot of the tab"

# curl as the browser: the headers of the tab's final answer.
read -r id secret < <(ids "$broken")
set +e
OAUTH_PREFLIGHT_CLIENT_SECRET="$secret" "$bin" run --client-id "$id" --authority "$authority" \
  --graph "$graph" --ca-cert "$ca" --app "$broken" --redirect-uri http://localhost:0/oauth2/callback \
  --timeout 60 --output /dev/null \
  --browser "curl -sS -L --cacert $ca -D $work/curl.headers -o $work/curl.html" 2> "$work/curl.stderr"
set -e
check "tr -d '\r' < '$work/curl.headers' | grep -qix \"content-security-policy: default-src 'none'; style-src 'unsafe-inline'\"" \
  "the tab's page carries Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"
check "grep -q 'checks fail' '$work/curl.html'" "curl saw the verdict page"

# The HTML report, opened from disk.
report_shot() { $chrome --user-data-dir="$work/profile-$1" "${@:2}" 2>/dev/null; }
report_shot report --window-size=900,1400 --screenshot="$art/chromium-report.png" \
  --dump-dom "file://$work/broken.html" > "$work/report.dom.html"
check 'page "$work/report.dom.html" "$work/broken.json"' \
  "html report (file://): each failing check with its fix and command"
check 'png "$art/chromium-report.png"' "html report: a PNG screenshot ($art/chromium-report.png)"
report_shot hostile-report --dump-dom "file://$work/hostile.html" > "$work/hostile-report.dom.html"
check 'page "$work/hostile-report.dom.html" --want "<img src=x onerror=alert(1)></style><script>alert(2)</script> & co"' \
  "html report: the hostile name is text"
report_shot phone --window-size=390,844 --screenshot="$art/chromium-report-phone.png" "file://$work/broken.html"
check 'png "$art/chromium-report-phone.png"' "html report on a phone's width: a PNG screenshot"
report_shot print --no-pdf-header-footer --print-to-pdf="$art/chromium-report.pdf" "file://$work/broken.html"
check '[ "$(head -c 5 "$art/chromium-report.pdf")" = "%PDF-" ]' "html report printed to PDF ($art/chromium-report.pdf)"

if [ "$failed" != 0 ]; then
  for f in "$work"/*.stderr; do echo "--- $f"; cat "$f"; done
fi
echo "chromium: $passed passed, $failed failed"
[ "$failed" = 0 ]
