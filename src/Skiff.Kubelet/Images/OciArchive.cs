using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Kubelet.Images;

/// <summary>
/// Writes a single-layer image as an OCI image layout tar (oci-layout, index.json, blobs/sha256/...), the format
/// <c>ctr images import</c> reads. The index carries <c>io.containerd.image.name</c> so the import names the image.
/// Used to build the pause image from the machine's catatonit with no download.
/// </summary>
internal static class OciArchive
{
    /// <summary>One file of the image's only layer: path inside the image, content, mode; or a symlink when <paramref name="LinkTarget"/> is set.</summary>
    public sealed record LayerEntry(string Path, byte[]? Content, UnixFileMode Mode, string? LinkTarget = null);

    /// <summary>Writes the image <paramref name="name"/> (e.g. <c>skiff.local/pause:3.9</c>) to <paramref name="destination"/>.</summary>
    public static void Write(Stream destination, string name, IReadOnlyList<LayerEntry> files, IReadOnlyList<string> entrypoint, IReadOnlyList<string>? cmd = null)
    {
        var layer = Layer(files);
        var layerDigest = Digest(layer);
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Entrypoint"] = new JsonArray([.. entrypoint.Select(e => (JsonNode)e)]),
                ["Cmd"] = cmd is null ? null : new JsonArray([.. cmd.Select(e => (JsonNode)e)]),
                ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layerDigest) },
        };
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", configBytes),
            ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar", layer)),
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var manifestDescriptor = Descriptor("application/vnd.oci.image.manifest.v1+json", manifestBytes);
        var tag = name[(name.LastIndexOf(':') is var colon && colon > name.LastIndexOf('/') ? colon + 1 : name.Length)..];
        manifestDescriptor["annotations"] = new JsonObject
        {
            ["io.containerd.image.name"] = name,
            ["org.opencontainers.image.ref.name"] = tag.Length > 0 ? tag : "latest",
        };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifestDescriptor) };

        using var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        Add(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
        Add(tar, "index.json", Encoding.UTF8.GetBytes(index.ToJsonString()));
        foreach (var blob in new[] { layer, configBytes, manifestBytes })
        {
            Add(tar, "blobs/sha256/" + Digest(blob)["sha256:".Length..], blob);
        }
    }

    private static byte[] Layer(IReadOnlyList<LayerEntry> files)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var directories = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var path = file.Path.TrimStart('/');
                for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
                {
                    var dir = path[..(slash + 1)];
                    if (directories.Add(dir))
                    {
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = (UnixFileMode)0b111_101_101, ModificationTime = DateTimeOffset.UnixEpoch });
                    }
                }

                if (file.LinkTarget is { } target)
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, path) { LinkName = target, Mode = file.Mode, ModificationTime = DateTimeOffset.UnixEpoch });
                }
                else
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { Mode = file.Mode, ModificationTime = DateTimeOffset.UnixEpoch };
                    entry.DataStream = new MemoryStream(file.Content ?? []);
                    tar.WriteEntry(entry);
                }
            }
        }

        return buffer.ToArray();
    }

    private static void Add(TarWriter tar, string name, byte[] content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0b110_100_100, ModificationTime = DateTimeOffset.UnixEpoch };
        entry.DataStream = new MemoryStream(content);
        tar.WriteEntry(entry);
    }

    private static JsonObject Descriptor(string mediaType, byte[] content) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = Digest(content),
        ["size"] = content.Length,
    };

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
