#!/usr/bin/env bash
# Builds a small busybox image (OCI image layout tar) from Debian's busybox-static, with no download:
#   scripts/build-test-image.sh OUT.tar [NAME]      (NAME defaults to skiff.local/busybox:test)
# The image has /bin/busybox and applet links (sh, sleep, httpd, wget, nc, nslookup, dd, cat, tar, ...); its index
# carries io.containerd.image.name, so `ctr images import` / `skiff images import` name it, and
# `skopeo copy oci-archive:OUT.tar docker://HOST/...` pushes it to a registry.
set -euo pipefail
out=${1:?usage: build-test-image.sh OUT.tar [NAME]}
name=${2:-skiff.local/busybox:test}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static is not installed ($busybox)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc" "$work/rootfs/var/www" "$work/layout/blobs/sha256"
cp "$busybox" "$work/rootfs/bin/busybox"
for applet in sh ash sleep httpd wget nc nslookup dd cat echo ls env id hostname ps kill mkdir rm cp mv true false date head tail grep sed awk test printf timeout touch chmod uname whoami pwd stat sync yes tar wc stty; do
  ln -s busybox "$work/rootfs/bin/$applet"
done
chmod 1777 "$work/rootfs/tmp"
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> "$work/rootfs/etc/passwd"
echo 'root:x:0:' > "$work/rootfs/etc/group"
echo 'nogroup:x:65534:' >> "$work/rootfs/etc/group"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" .
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
layer=$(sha "$work/layer.tar")
cp "$work/layer.tar" "$work/layout/blobs/sha256/$layer"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer" > "$work/config.json"
config=$(sha "$work/config.json")
cp "$work/config.json" "$work/layout/blobs/sha256/$config"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config" "$(size "$work/config.json")" "$layer" "$(size "$work/layer.tar")" > "$work/manifest.json"
manifest=$(sha "$work/manifest.json")
cp "$work/manifest.json" "$work/layout/blobs/sha256/$manifest"
tag=${name##*:}
[ "$tag" = "$name" ] && tag=latest
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest" "$(size "$work/manifest.json")" "$name" "$tag" > "$work/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/layout" -cf "$out" oci-layout index.json blobs
echo "$out: $name"
