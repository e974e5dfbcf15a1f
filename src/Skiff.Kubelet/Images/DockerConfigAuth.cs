using System.Text;
using System.Text.Json;
using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Images;

/// <summary>
/// Credentials for an image from imagePullSecrets (kubernetes.io/dockerconfigjson <c>.dockerconfigjson</c> or
/// kubernetes.io/dockercfg <c>.dockercfg</c>), matched on the image's registry host as kubelet's credential keyring does.
/// </summary>
internal static class DockerConfigAuth
{
    /// <summary>The registry host of an image reference: the first path part when it looks like a host, else docker.io.</summary>
    public static string RegistryHost(string image)
    {
        var slash = image.IndexOf('/');
        if (slash < 0)
        {
            return "docker.io";
        }

        var first = image[..slash];
        return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : "docker.io";
    }

    /// <summary>Every credential in the secret data whose registry matches the image's host.</summary>
    public static IEnumerable<AuthConfig> Match(string image, IDictionary<string, byte[]>? data)
    {
        if (data is null)
        {
            yield break;
        }

        JsonElement auths;
        if (data.TryGetValue(".dockerconfigjson", out var json))
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("auths", out var a))
            {
                yield break;
            }

            auths = a.Clone();
        }
        else if (data.TryGetValue(".dockercfg", out var cfg))
        {
            using var doc = JsonDocument.Parse(cfg);
            auths = doc.RootElement.Clone();
        }
        else
        {
            yield break;
        }

        var host = RegistryHost(image);
        foreach (var entry in auths.EnumerateObject())
        {
            if (!Normalize(entry.Name).Equals(Normalize(host), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // No ServerAddress: containerd's CRI parses it as a URL and drops the credentials unless its host equals
            // the host it contacts, so a plain "localhost:5000" key (what `kubectl create secret docker-registry`
            // writes) would pull anonymously. The entry already matched this image's registry.
            var auth = new AuthConfig();
            if (entry.Value.TryGetProperty("username", out var u))
            {
                auth.Username = u.GetString() ?? "";
            }

            if (entry.Value.TryGetProperty("password", out var p))
            {
                auth.Password = p.GetString() ?? "";
            }

            if (entry.Value.TryGetProperty("auth", out var b) && b.GetString() is { Length: > 0 } encoded && auth.Username.Length == 0)
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = decoded.IndexOf(':');
                if (colon > 0)
                {
                    auth.Username = decoded[..colon];
                    auth.Password = decoded[(colon + 1)..];
                }
            }

            yield return auth;
        }
    }

    private static string Normalize(string registry)
    {
        var r = registry;
        foreach (var prefix in new[] { "https://", "http://" })
        {
            if (r.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                r = r[prefix.Length..];
            }
        }

        r = r.Split('/')[0];
        return r is "index.docker.io" or "registry-1.docker.io" ? "docker.io" : r;
    }
}
