#!/usr/bin/env bash
# Vendor pinned front-end assets (USWDS, htmx) into continuum/static/vendor/.
#
# Reproducible: packages are fetched with `npm pack` at exact versions and the
# tarball integrity is checked against the pinned sha512 below. Only the files
# the site actually serves are copied:
#   - USWDS compiled CSS/JS, the icon sprite, and exactly the font/image files
#     that the compiled CSS references via url(...) (all fonts in the compiled
#     CSS are woff2-only, so no other formats are needed);
#   - htmx.min.js;
#   - each package's licence file.
# The trailing sourceMappingURL comments are stripped from the minified files
# because the .map files are not vendored (Django's ManifestStaticFilesStorage
# would otherwise fail on the missing references during collectstatic).
#
# Usage: bash scripts/vendor_static.sh     (needs node + npm and the npm registry)
set -euo pipefail

USWDS_VERSION="3.14.0"
USWDS_INTEGRITY="sha512-kwZ50TqGszxj3+MQhm+c84hI0y8rIKoc7ZLKbuHg+8rTkFisp9lXOMRD2wclyyuYZahpADxMvaPong7bwL7cew=="
USWDS_LICENCE="Public domain (CC0-1.0) for GSA work; fonts under OFL-1.1, icons under Apache-2.0 (see LICENSE.md)"
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
HTMX_LICENCE="0BSD (see LICENSE)"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$REPO_ROOT/continuum/static/vendor"
USWDS_DEST="$VENDOR/uswds-$USWDS_VERSION"
HTMX_DEST="$VENDOR/htmx-$HTMX_VERSION"

command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# fetch SPEC EXPECTED_INTEGRITY -> prints path of the unpacked package dir
fetch() {
  local spec="$1" expected="$2" name json tarball integrity dir
  name="$(echo "$spec" | tr '@/' '__')"
  json="$TMP/$name.json"
  (cd "$TMP" && npm pack "$spec" --json --ignore-scripts --silent \
      --pack-destination "$TMP" >"$json")
  tarball="$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(d[0].filename)' "$json")"
  integrity="$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(d[0].integrity)' "$json")"
  # Recompute the hash from the tarball bytes as well, not only trust npm's report.
  local computed
  computed="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TMP/$tarball")"
  if [[ "$integrity" != "$expected" || "$computed" != "$expected" ]]; then
    echo "Integrity mismatch for $spec:" >&2
    echo "  expected: $expected" >&2
    echo "  npm:      $integrity" >&2
    echo "  computed: $computed" >&2
    exit 1
  fi
  dir="$TMP/$name"
  mkdir -p "$dir"
  tar -xzf "$TMP/$tarball" -C "$dir"
  echo "$dir/package"
}

# copy_min SRC DEST : copy a minified file, dropping sourceMappingURL comments
copy_min() {
  mkdir -p "$(dirname "$2")"
  sed -E -e '/^[[:space:]]*\/\*# sourceMappingURL=.*\*\/[[:space:]]*$/d' \
         -e '/^[[:space:]]*\/\/# sourceMappingURL=.*$/d' "$1" >"$2"
}

echo "Fetching @uswds/uswds@$USWDS_VERSION and htmx.org@$HTMX_VERSION ..."
USWDS_PKG="$(fetch "@uswds/uswds@$USWDS_VERSION" "$USWDS_INTEGRITY")"
HTMX_PKG="$(fetch "htmx.org@$HTMX_VERSION" "$HTMX_INTEGRITY")"

rm -rf "$USWDS_DEST" "$HTMX_DEST"
mkdir -p "$USWDS_DEST/css" "$USWDS_DEST/js" "$USWDS_DEST/img" "$HTMX_DEST"

# --- USWDS -------------------------------------------------------------------
USWDS_DIST="$USWDS_PKG/dist"
copy_min "$USWDS_DIST/css/uswds.min.css" "$USWDS_DEST/css/uswds.min.css"
copy_min "$USWDS_DIST/js/uswds.min.js" "$USWDS_DEST/js/uswds.min.js"
copy_min "$USWDS_DIST/js/uswds-init.min.js" "$USWDS_DEST/js/uswds-init.min.js"
cp "$USWDS_DIST/img/sprite.svg" "$USWDS_DEST/img/sprite.svg"
cp "$USWDS_PKG/LICENSE.md" "$USWDS_DEST/LICENSE.md"

# Every url(...) in the compiled CSS (quoted or not), minus empty and data:/absolute ones.
mapfile -t REFS < <(
  grep -oE 'url\([^)]*\)' "$USWDS_DIST/css/uswds.min.css" \
    | sed -E -e 's/^url\(//' -e 's/\)$//' -e "s/^[\"']//" -e "s/[\"']$//" \
    | sed -E -e 's/[?#].*$//' \
    | grep -vE '^$|^data:|^[a-z]+:|^//|^/' \
    | sort -u
)
missing=0
for ref in "${REFS[@]}"; do
  case "$ref" in
    ../fonts/*|../img/*) ;;
    *) echo "Unexpected url() reference in uswds.min.css: $ref" >&2; missing=1; continue ;;
  esac
  src="$USWDS_DIST/css/$ref"
  rel="${ref#../}"
  if [[ ! -f "$src" ]]; then
    echo "Referenced file missing from package: $ref" >&2
    missing=1
    continue
  fi
  mkdir -p "$USWDS_DEST/$(dirname "$rel")"
  cp "$src" "$USWDS_DEST/$rel"
done
[[ $missing -eq 0 ]] || exit 1

# Sanity check: every reference resolves in the vendored tree.
for ref in "${REFS[@]}"; do
  [[ -f "$USWDS_DEST/css/$ref" ]] || { echo "Not vendored: $ref" >&2; exit 1; }
done

# --- htmx --------------------------------------------------------------------
copy_min "$HTMX_PKG/dist/htmx.min.js" "$HTMX_DEST/htmx.min.js"
cp "$HTMX_PKG/LICENSE" "$HTMX_DEST/LICENSE"

# --- VERSIONS.txt ------------------------------------------------------------
cat >"$VENDOR/VERSIONS.txt" <<VERSIONS
# Vendored front-end assets. Regenerate with: bash scripts/vendor_static.sh
# package | version | licence | npm integrity | vendored to
@uswds/uswds | $USWDS_VERSION | $USWDS_LICENCE | $USWDS_INTEGRITY | continuum/static/vendor/uswds-$USWDS_VERSION/
htmx.org | $HTMX_VERSION | $HTMX_LICENCE | $HTMX_INTEGRITY | continuum/static/vendor/htmx-$HTMX_VERSION/
VERSIONS

echo "USWDS: ${#REFS[@]} url() references vendored."
echo "Vendored files:"
(cd "$VENDOR" && find . -type f | sort)
echo "Total size: $(du -sh "$VENDOR" | cut -f1) ($(du -sb "$VENDOR" | cut -f1) bytes)"
