using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Skiff.Certificates;
using Skiff.Client.Api;
using Skiff.Server;

namespace Skiff.Join;

/// <summary>
/// <c>skiff token create|list|delete</c>: manages bootstrap tokens (Secrets <c>kube-system/bootstrap-token-ID</c>, as
/// <c>kubeadm token</c> does) through the API with the admin kubeconfig of the server's data directory. Created tokens
/// may authenticate, carry the extra group the join RBAC bindings name, and print as the K10 join token.
/// </summary>
internal sealed class TokenCommand(string dataDir, TextWriter output, TextWriter error, TimeProvider time)
{
    public const string ExtraGroup = "system:bootstrappers:skiff:default-node-token";
    private static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true);
    private readonly DataDirectory _data = new(dataDir);

    /// <summary>Creates a token valid for <paramref name="ttl"/> (zero: never expires) and prints its join form.</summary>
    public async Task<int> CreateAsync(TimeSpan ttl, string? description, CancellationToken cancellationToken)
    {
        if (ttl < TimeSpan.Zero)
        {
            error.WriteLine("skiff: --ttl must not be negative");
            return 1;
        }

        return await WithApiAsync(async (secrets, ca) =>
        {
            var token = JoinToken.Generate(JoinToken.HashOf(ca));
            var data = new Dictionary<string, string>
            {
                ["token-id"] = token.Id,
                ["token-secret"] = token.Secret,
                ["usage-bootstrap-authentication"] = "true",
                ["usage-bootstrap-signing"] = "true",
                ["auth-extra-groups"] = ExtraGroup,
            };
            if (ttl > TimeSpan.Zero)
            {
                data["expiration"] = (time.GetUtcNow() + ttl).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            }

            data["description"] = description ?? "Join token made by `skiff token create`";
            await secrets.CreateAsync(new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Metadata = new V1ObjectMeta { Name = "bootstrap-token-" + token.Id, NamespaceProperty = "kube-system" },
                Type = "bootstrap.kubernetes.io/token",
                StringData = data,
            }, cancellationToken).ConfigureAwait(false);
            output.WriteLine(token.ToString());
            return 0;
        }).ConfigureAwait(false);
    }

    /// <summary>Prints the bootstrap tokens as kubeadm token list does: TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS.</summary>
    public async Task<int> ListAsync(CancellationToken cancellationToken) =>
        await WithApiAsync(async (secrets, _) =>
        {
            var list = await secrets.ListAsync("kube-system", new ListOptions { FieldSelector = "type=bootstrap.kubernetes.io/token" }, cancellationToken).ConfigureAwait(false);
            var rows = new List<string[]> { new[] { "TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS" } };
            var now = time.GetUtcNow();
            foreach (var secret in (list.Items ?? []).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
            {
                string Value(string key) => secret.Data is { } d && d.TryGetValue(key, out var b) && b is not null ? Encoding.UTF8.GetString(b) : "";
                var expiration = Value("expiration");
                var ttl = "<forever>";
                var expires = "<never>";
                if (DateTimeOffset.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
                {
                    var left = when - now;
                    ttl = left <= TimeSpan.Zero ? "<invalid>" : Skiff.Api.Printing.HumanDuration.Format(left);
                    expires = when.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                }

                var usages = string.Join(",", (secret.Data?.Keys ?? []).Where(k => k.StartsWith("usage-bootstrap-", StringComparison.Ordinal) && Value(k) == "true")
                    .Select(k => k["usage-bootstrap-".Length..]).Order(StringComparer.Ordinal));
                rows.Add([$"{Value("token-id")}.{Value("token-secret")}", ttl, expires, usages, Value("description") is { Length: > 0 } d ? d : "<none>", Value("auth-extra-groups")]);
            }

            var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                output.WriteLine(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
            }

            return 0;
        }).ConfigureAwait(false);

    /// <summary>Deletes the token with <paramref name="idOrToken"/> (its id, or the whole token).</summary>
    public async Task<int> DeleteAsync(string idOrToken, CancellationToken cancellationToken)
    {
        var id = idOrToken.Contains("::", StringComparison.Ordinal) ? idOrToken[(idOrToken.IndexOf("::", StringComparison.Ordinal) + 2)..] : idOrToken;
        id = id.Split('.')[0];
        if (id.Length != 6 || !id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9'))
        {
            error.WriteLine($"skiff: '{idOrToken}' is not a bootstrap token id (6 lower-case letters or digits)");
            return 1;
        }

        return await WithApiAsync(async (secrets, _) =>
        {
            try
            {
                await secrets.DeleteAsync("kube-system", "bootstrap-token-" + id, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                error.WriteLine($"skiff: bootstrap token \"{id}\" not found");
                return 1;
            }

            output.WriteLine($"bootstrap token \"{id}\" deleted");
            return 0;
        }).ConfigureAwait(false);
    }

    private async Task<int> WithApiAsync(Func<IResourceClient<V1Secret>, X509Certificate2, Task<int>> action)
    {
        var tls = new TlsFiles(_data.TlsDirectory);
        if (!File.Exists(_data.KubeconfigPath) || !File.Exists(tls.CaCertificate))
        {
            error.WriteLine($"skiff: no server at {_data.Root}: need {_data.KubeconfigPath} and {tls.CaCertificate} (run this on the server, or pass --data-dir)");
            return 1;
        }

        try
        {
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(tls.CaCertificate));
            using var connection = new ApiConnection(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(_data.KubeconfigPath)) { UserAgent = "skiff-token" };
            return await action(connection.For<V1Secret>(Secrets), ca).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            error.WriteLine($"skiff: the API server refused: {ex.Message}");
            return 1;
        }
        catch (HttpRequestException ex)
        {
            error.WriteLine($"skiff: cannot reach the API server of {_data.Root}: {ex.Message} (is `skiff server` running?)");
            return 1;
        }
    }
}
