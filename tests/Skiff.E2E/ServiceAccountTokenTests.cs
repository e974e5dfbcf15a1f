using System.Buffers.Text;
using System.Text.Json.Nodes;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Service-account tokens with the real kubectl: <c>kubectl create token</c>, using the token (403 until a
/// RoleBinding allows it), lifetimes, pod-bound tokens revoked by deleting the pod, the token volume that admission
/// adds to pods, and the kube-root-ca.crt ConfigMap.
/// </summary>
public sealed class ServiceAccountTokenTests
{
    [Fact]
    public async Task CreateToken_UseIt_BindIt_RevokeIt()
    {
        await using var server = await SkiffServer.StartAsync();
        var admin = new Kubectl(server.Kubeconfig);

        // The default account comes from the controller manager shortly after start.
        var token = await EventuallyAsync(async () => await admin.RunAsync("create", "token", "default"), r => r.ExitCode == 0, "kubectl create token default");
        var sa = new Kubectl(await KubeconfigWithTokenAsync(server, admin, "sa.yaml", token.Stdout.Trim()));
        Assert.Equal("system:serviceaccount:default:default", (await sa.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim());

        var denied = await sa.RunAsync("get", "pods");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("pods is forbidden: User \"system:serviceaccount:default:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", denied.Stderr);

        await admin.OkAsync("create", "rolebinding", "sa-view", "--clusterrole=view", "--serviceaccount=default:default");
        await EventuallyAsync(() => sa.RunAsync("get", "pods"), r => r.ExitCode == 0, "get pods with the service-account token after the RoleBinding");

        // --duration: the token lives exactly that long; under 10 minutes is refused.
        var tenMinutes = (await admin.OkAsync("create", "token", "default", "--duration=10m", "--audience=https://kubernetes.default.svc.cluster.local")).Trim();
        var claims = Payload(tenMinutes);
        Assert.Equal(600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal("system:serviceaccount:default:default", (string?)claims["sub"]);
        var tooShort = await admin.RunAsync("create", "token", "default", "--duration=5m");
        Assert.NotEqual(0, tooShort.ExitCode);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Stderr);
        var missing = await admin.RunAsync("create", "token", "nobody");
        Assert.Contains("serviceaccounts \"nobody\" not found", missing.Stderr);

        // A token for another audience is not accepted by the API server.
        var vault = (await admin.OkAsync("create", "token", "default", "--audience=vault")).Trim();
        var vaultUser = new Kubectl(await KubeconfigWithTokenAsync(server, admin, "vault.yaml", vault));
        AssertUnauthorized(await vaultUser.RunAsync("get", "pods"));

        // A pod gets the projected token volume, mounted read-only in its container.
        await admin.OkAsync("run", "client", "--image=registry.invalid/none:1", "--restart=Never");
        var podYaml = await admin.OkAsync("get", "pod", "client", "-o", "yaml");
        Assert.Matches(@"name: kube-api-access-[a-z0-9]{5}", podYaml);
        Assert.Contains("mountPath: /var/run/secrets/kubernetes.io/serviceaccount", podYaml);
        Assert.Contains("expirationSeconds: 3607", podYaml);
        Assert.Contains("name: kube-root-ca.crt", podYaml);
        Assert.Equal("default", (await admin.OkAsync("get", "pod", "client", "-o", "jsonpath={.spec.serviceAccountName}")).Trim());

        // A token bound to the pod works until the pod is deleted.
        var bound = (await admin.OkAsync("create", "token", "default", "--bound-object-kind=Pod", "--bound-object-name=client")).Trim();
        Assert.Equal("client", (string?)Payload(bound)["kubernetes.io"]!["pod"]!["name"]);
        var boundUser = new Kubectl(await KubeconfigWithTokenAsync(server, admin, "bound.yaml", bound));
        await boundUser.OkAsync("get", "pods");
        await admin.OkAsync("delete", "pod", "client", "--grace-period=0", "--force");
        await EventuallyAsync(() => admin.RunAsync("get", "pod", "client"), r => r.ExitCode != 0, "pod client deleted");
        var revoked = await boundUser.RunAsync("get", "pods");
        AssertUnauthorized(revoked);

        // Every namespace gets the cluster CA as kube-root-ca.crt.
        await admin.OkAsync("create", "namespace", "team");
        var ca = await EventuallyAsync(() => admin.RunAsync("get", "configmap", "kube-root-ca.crt", "-n", "team", "-o", "jsonpath={.data.ca\\.crt}"),
            r => r.ExitCode == 0 && r.Stdout.Contains("BEGIN CERTIFICATE"), "kube-root-ca.crt in namespace team");
        var kubeconfigCa = (await admin.OkAsync("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}")).Trim();
        Assert.Equal(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(kubeconfigCa)).Trim(), ca.Stdout.Trim());
    }

    [Fact]
    public async Task Token_StillValidAfterServerRestart()
    {
        await using var server = await SkiffServer.StartAsync();
        var admin = new Kubectl(server.Kubeconfig);
        var token = await EventuallyAsync(() => admin.RunAsync("create", "token", "default"), r => r.ExitCode == 0, "kubectl create token default");
        var sa = new Kubectl(await KubeconfigWithTokenAsync(server, admin, "sa.yaml", token.Stdout.Trim()));
        Assert.Equal("system:serviceaccount:default:default", (await sa.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim());

        // The signing key lives in the data directory, so tokens handed out before a restart keep working.
        await server.StopAsync();
        Assert.True(File.Exists(Path.Combine(server.DataDir, "server", "tls", "service.key")));
        await server.RestartAsync();
        Assert.Equal("system:serviceaccount:default:default", (await sa.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim());

        // TokenReview, as a component checking a caller's token would ask.
        var review = $"apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: {token.Stdout.Trim()}\n";
        var reviewed = await admin.OkWithInputAsync(review, "create", "-f", "-", "-o", "jsonpath={.status.authenticated} {.status.user.username}");
        Assert.Equal("true system:serviceaccount:default:default", reviewed.Trim());
        var bogus = await admin.OkWithInputAsync(review.Replace(token.Stdout.Trim()[^6..], "AAAAAA", StringComparison.Ordinal), "create", "-f", "-", "-o", "jsonpath={.status.authenticated}");
        Assert.Equal("false", bogus.Trim());
    }

    [Fact]
    public async Task LegacySecretToken_FilledByTheController_WorksUntilItsSecretOrAccountGoes_ExpiredAndTamperedTokensGet401()
    {
        await using var server = await SkiffServer.StartAsync();
        var admin = new Kubectl(server.Kubeconfig);
        await admin.OkAsync("create", "namespace", "legacy");
        await admin.OkAsync("-n", "legacy", "create", "serviceaccount", "ci");
        await admin.OkAsync("-n", "legacy", "create", "rolebinding", "ci-view", "--clusterrole=view", "--serviceaccount=legacy:ci");

        // A legacy token is only made when asked for: a Secret of type service-account-token naming the account.
        const string secret = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: ci-token
              annotations:
                kubernetes.io/service-account.name: ci
            type: kubernetes.io/service-account-token
            """;
        await admin.OkWithInputAsync(secret, "-n", "legacy", "apply", "-f", "-");
        var filled = await EventuallyAsync(() => admin.RunAsync("-n", "legacy", "get", "secret", "ci-token", "-o", "jsonpath={.data.token}"),
            r => r.ExitCode == 0 && r.Stdout.Trim().Length > 0, "the controller to fill in the token");
        var token = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(filled.Stdout.Trim()));
        Assert.Equal("kubernetes/serviceaccount", (string?)Payload(token)["iss"]);
        var describe = await admin.OkAsync("-n", "legacy", "describe", "secret", "ci-token");
        Assert.Contains("kubernetes.io/service-account.uid:", describe);
        Assert.Matches(@"ca\.crt:\s+\d+ bytes", describe);
        Assert.Matches(@"namespace:\s+6 bytes", describe);

        var ci = new Kubectl(await KubeconfigWithTokenAsync(server, admin, "legacy.yaml", token));
        Assert.Equal("system:serviceaccount:legacy:ci", (await ci.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim());
        await ci.OkAsync("-n", "legacy", "get", "pods");
        var denied = await ci.RunAsync("-n", "legacy", "get", "secrets");
        Assert.Contains("secrets is forbidden: User \"system:serviceaccount:legacy:ci\" cannot list resource \"secrets\" in API group \"\" in the namespace \"legacy\"", denied.Stderr);

        // Tampered (one character of the signature changed) → 401.
        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        AssertUnauthorized(await new Kubectl(await KubeconfigWithTokenAsync(server, admin, "tampered.yaml", tampered)).RunAsync("get", "pods"));

        // Expired → 401: a token for the same account signed with the server's own key, whose lifetime is over.
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(server.DataDir, "server", "tls", "service.key")));
        var saUid = (await admin.OkAsync("-n", "legacy", "get", "serviceaccount", "ci", "-o", "jsonpath={.metadata.uid}")).Trim();
        var issuer = (string?)Payload((await admin.OkAsync("-n", "legacy", "create", "token", "ci")).Trim())["iss"];
        var expired = new Skiff.ApiServer.Authentication.ServiceAccounts.ServiceAccountTokenCodec(key).Sign(new Skiff.ApiServer.Authentication.ServiceAccounts.ServiceAccountClaims
        {
            Issuer = issuer!,
            Namespace = "legacy",
            ServiceAccount = new Skiff.ApiServer.Authentication.ServiceAccounts.BoundRef("ci", saUid),
            Audiences = [issuer!],
            IssuedAt = DateTimeOffset.UtcNow.AddHours(-2),
            NotBefore = DateTimeOffset.UtcNow.AddHours(-2),
            Expires = DateTimeOffset.UtcNow.AddHours(-1),
            Id = Guid.NewGuid().ToString(),
        });
        AssertUnauthorized(await new Kubectl(await KubeconfigWithTokenAsync(server, admin, "expired.yaml", expired)).RunAsync("get", "pods"));

        // Deleting the Secret revokes the legacy token.
        await admin.OkAsync("-n", "legacy", "delete", "secret", "ci-token");
        await EventuallyAsync(() => ci.RunAsync("-n", "legacy", "get", "pods"), r => r.ExitCode != 0, "the token to stop working once its Secret is gone");
        AssertUnauthorized(await ci.RunAsync("-n", "legacy", "get", "pods"));

        // A token Secret outlives nothing: deleting the account deletes its token Secrets.
        await admin.OkWithInputAsync(secret, "-n", "legacy", "apply", "-f", "-");
        await EventuallyAsync(() => admin.RunAsync("-n", "legacy", "get", "secret", "ci-token", "-o", "jsonpath={.data.token}"), r => r.Stdout.Trim().Length > 0, "a new token");
        await admin.OkAsync("-n", "legacy", "delete", "serviceaccount", "ci");
        await EventuallyAsync(() => admin.RunAsync("-n", "legacy", "get", "secret", "ci-token"), r => r.ExitCode != 0 && r.Stderr.Contains("NotFound"), "the token Secret deleted with its account");
    }

    /// <summary>kubectl turns a 401 into "You must be logged in to the server (the server has asked for the client to provide credentials)".</summary>
    private static void AssertUnauthorized(KubectlResult result)
    {
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Stderr.Contains("You must be logged in to the server", StringComparison.Ordinal), result.Stderr);
    }

    private static JsonNode Payload(string jwt) => JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1]))!;

    private static async Task<string> KubeconfigWithTokenAsync(SkiffServer server, Kubectl admin, string file, string token)
    {
        var path = Path.Combine(server.DataDir, file);
        File.WriteAllText(path, File.ReadAllText(server.Kubeconfig));
        var k = new Kubectl(path);
        var user = Path.GetFileNameWithoutExtension(file);
        await k.OkAsync("config", "set-credentials", user, "--token=" + token);
        var context = (await k.OkAsync("config", "current-context")).Trim();
        await k.OkAsync("config", "set-context", context, "--user=" + user);
        return path;
    }

    private static async Task<KubectlResult> EventuallyAsync(Func<Task<KubectlResult>> run, Func<KubectlResult, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var result = await run();
            if (done(result))
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what}: gave up; last: exit {result.ExitCode} {result.Stdout} {result.Stderr}");
            await Task.Delay(250);
        }
    }
}
