#!/usr/bin/env bash
# macOS: sign (when a Developer ID is given) and wrap dist/Hushdesk.app in a .dmg.
# Called by packaging/build.py after PyInstaller has built the .app from hushdesk.spec.
#
#   bash packaging/macos/make_dmg.sh VERSION
#   CODESIGN_IDENTITY="Developer ID Application: …" NOTARY_PROFILE=hushdesk bash … VERSION
#
# Not run on the build machine of this repository (Linux); written for the release CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="${1:?usage: make_dmg.sh VERSION}"
APP="dist/Hushdesk.app"
DMG="dist/Hushdesk-${VERSION}.dmg"
[ -d "$APP" ] || { echo "no $APP: run packaging/build.py on macOS first" >&2; exit 1; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  # Hardened runtime; llama.cpp and torch load their own libraries, which needs the
  # library-validation exception in the entitlements.
  codesign --deep --force --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist \
    --sign "$CODESIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict "$APP"
fi

rm -f "$DMG"
STAGE="$(mktemp -d)"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Hushdesk ${VERSION}" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"

if [ -n "${CODESIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
fi
echo "dmg: $DMG ($(du -h "$DMG" | cut -f1))"
