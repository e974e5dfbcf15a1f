using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Bootstrap;

/// <summary>The plaintext of the bootstrap data: each shared file's contents and when it was last modified.</summary>
internal sealed class BootstrapData
{
    /// <summary>Files by their path under <c>DATA/server</c>.</summary>
    [JsonPropertyName("files")]
    public Dictionary<string, BootstrapFile> Files { get; init; } = new(StringComparer.Ordinal);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>Parses decrypted bootstrap data; throws <see cref="BootstrapDataException"/> when it is not valid.</summary>
    public static BootstrapData Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            var data = JsonSerializer.Deserialize<BootstrapData>(json);
            if (data?.Files is null || data.Files.Values.Any(f => f?.Content is null))
            {
                throw new BootstrapDataException($"the bootstrap data at {source} has no file list");
            }

            return data;
        }
        catch (JsonException ex)
        {
            throw new BootstrapDataException($"the bootstrap data at {source} is not valid JSON: {ex.Message}", ex);
        }
    }
}

/// <summary>One file of the bootstrap data.</summary>
internal sealed class BootstrapFile
{
    /// <summary>The file's bytes.</summary>
    [JsonPropertyName("content")]
    public required byte[] Content { get; init; }

    /// <summary>When the file was last changed (UTC), for <see cref="ClusterSecretPolicy.NewestWins"/>.</summary>
    [JsonPropertyName("modified")]
    public DateTimeOffset Modified { get; init; }
}
