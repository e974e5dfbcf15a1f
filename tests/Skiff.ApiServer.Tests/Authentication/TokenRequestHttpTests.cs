using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Authentication;

/// <summary>TokenRequest, service-account authentication, TokenReview and the ServiceAccount admission through the real HTTP pipeline.</summary>
public sealed class TokenRequestHttpTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await CreateAsync("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"builder"}}""");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonNode> CreateAsync(string path, string json, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await _server.Client.PostAsync(path, TestServer.Json(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private Task<JsonNode> TokenAsync(string sa, string spec, HttpStatusCode expected = HttpStatusCode.Created) =>
        CreateAsync($"/api/v1/namespaces/default/serviceaccounts/{sa}/token", $$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{{spec}}}""", expected);

    private HttpClient Bearer(string token)
    {
        var client = _server.CreateClient(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task TokenRequest_DefaultsAndToken_AuthenticatesAsTheServiceAccount()
    {
        var result = await TokenAsync("builder", "{}");
        Assert.Equal("TokenRequest", (string?)result["kind"]);
        Assert.Equal(3600, (long)result["spec"]!["expirationSeconds"]!);
        Assert.Equal("https://kubernetes.default.svc.cluster.local", (string?)result["spec"]!["audiences"]![0]);
        var token = (string)result["status"]!["token"]!;
        Assert.NotNull(result["status"]!["expirationTimestamp"]);

        using var client = Bearer(token);
        var whoami = await client.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", TestServer.Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"""));
        var info = JsonNode.Parse(await whoami.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal("system:serviceaccount:default:builder", (string?)info["username"]);
        Assert.Contains("system:serviceaccounts:default", info["groups"]!.AsArray().Select(g => (string?)g));

        // Authenticated but not authorized: 403 naming the service account.
        var pods = await client.GetAsync("/api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.Forbidden, pods.StatusCode);
        Assert.Contains("User \\\"system:serviceaccount:default:builder\\\" cannot list resource \\\"pods\\\"", await pods.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TokenRequest_BadInput_GetsKubernetesErrors()
    {
        var missing = await TokenAsync("nobody", "{}", HttpStatusCode.NotFound);
        Assert.Equal("serviceaccounts \"nobody\" not found", (string?)missing["message"]);

        var short_ = await TokenAsync("builder", """{"expirationSeconds":599}""", HttpStatusCode.UnprocessableEntity);
        Assert.Equal("TokenRequest.authentication.k8s.io \"builder\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes", (string?)short_["message"]);

        var kind = await TokenAsync("builder", """{"boundObjectRef":{"kind":"ConfigMap","apiVersion":"v1","name":"x"}}""", HttpStatusCode.UnprocessableEntity);
        Assert.Contains("spec.boundObjectRef.kind: Unsupported value: \"ConfigMap\"", (string?)kind["message"]);

        var noPod = await TokenAsync("builder", """{"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"ghost"}}""", HttpStatusCode.NotFound);
        Assert.Equal("pods \"ghost\" not found", (string?)noPod["message"]);
    }

    [Fact]
    public async Task BoundToPod_WhoAmIShowsThePodAndTheCredentialIdAsExtra()
    {
        var pod = await CreateAsync("/api/v1/namespaces/default/pods", """{"metadata":{"name":"p2"},"spec":{"serviceAccountName":"builder","containers":[{"name":"c","image":"busybox"}]}}""");
        var uid = (string)pod["metadata"]!["uid"]!;
        var token = (string)(await TokenAsync("builder", """{"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p2"}}"""))["status"]!["token"]!;

        // kubectl auth whoami: the SelfSubjectReview carries the extra attributes of the bound token, as kube-apiserver's does.
        using var client = Bearer(token);
        var whoami = await client.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", TestServer.Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"""));
        var body = await whoami.Content.ReadAsStringAsync();
        Assert.True(whoami.StatusCode == HttpStatusCode.Created, body);
        var extra = JsonNode.Parse(body)!["status"]!["userInfo"]!["extra"]!;
        Assert.Equal("p2", (string?)extra["authentication.kubernetes.io/pod-name"]![0]);
        Assert.Equal(uid, (string?)extra["authentication.kubernetes.io/pod-uid"]![0]);
        Assert.StartsWith("JTI=", (string?)extra["authentication.kubernetes.io/credential-id"]![0]);
        Assert.Null(extra["authentication.kubernetes.io/node-name"]);

        // A client certificate user has no extra at all.
        var admin = JsonNode.Parse(await (await _server.Client.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", TestServer.Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"""))).Content.ReadAsStringAsync())!;
        Assert.Null(admin["status"]!["userInfo"]!["extra"]);
    }

    [Fact]
    public async Task BoundToPod_WorksUntilThePodIsDeleted()
    {
        var pod = await CreateAsync("/api/v1/namespaces/default/pods", """{"metadata":{"name":"p1"},"spec":{"serviceAccountName":"builder","containers":[{"name":"c","image":"busybox"}]}}""");
        var uid = (string)pod["metadata"]!["uid"]!;
        var wrongUid = await TokenAsync("builder", """{"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p1","uid":"nope"}}""", HttpStatusCode.Conflict);
        Assert.Contains("does not match the UID in record", (string?)wrongUid["message"]);

        var token = (string)(await TokenAsync("builder", $$$"""{"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p1","uid":"{{{uid}}}"}}"""))["status"]!["token"]!;
        using var client = Bearer(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/version")).StatusCode);

        var review = await CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", $$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}"}}""");
        Assert.True((bool)review["status"]!["authenticated"]!);
        Assert.Equal("p1", (string?)review["status"]!["user"]!["extra"]!["authentication.kubernetes.io/pod-name"]![0]);

        var delete = await _server.Client.DeleteAsync("/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0");
        Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        await WaitGoneAsync("/api/v1/namespaces/default/pods/p1");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/version")).StatusCode);
        var after = await CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", $$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}"}}""");
        Assert.False((bool)after["status"]!["authenticated"]!);
        Assert.Contains("has been deleted", (string?)after["status"]!["error"]);
    }

    [Fact]
    public async Task TokenReview_WrongAudienceAndTampered_NotAuthenticated_AndTheRequestIs401()
    {
        var token = (string)(await TokenAsync("builder", """{"audiences":["vault"]}"""))["status"]!["token"]!;
        var forApi = await CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", $$$"""{"spec":{"token":"{{{token}}}"}}""");
        Assert.False((bool)forApi["status"]!["authenticated"]!);
        var forVault = await CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", $$$"""{"spec":{"token":"{{{token}}}","audiences":["vault"]}}""");
        Assert.True((bool)forVault["status"]!["authenticated"]!);
        Assert.Equal("vault", (string?)forVault["status"]!["audiences"]![0]);

        using var wrongAudience = Bearer(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongAudience.GetAsync("/version")).StatusCode);

        var good = (string)(await TokenAsync("builder", "{}"))["status"]!["token"]!;
        using var tampered = Bearer(good[..^4] + (good[^4] == 'A' ? "BBBB" : "AAAA"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await tampered.GetAsync("/version")).StatusCode);

        var empty = await CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", """{"spec":{}}""", HttpStatusCode.UnprocessableEntity);
        Assert.Contains("spec.token: Required value", (string?)empty["message"]);
    }

    [Fact]
    public async Task PodAdmission_DefaultsAccountAndMountsTheTokenVolume()
    {
        var pod = await CreateAsync("/api/v1/namespaces/default/pods",
            """{"metadata":{"name":"p2"},"spec":{"initContainers":[{"name":"i","image":"busybox"}],"containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Equal("default", (string?)pod["spec"]!["serviceAccountName"]);
        var volume = pod["spec"]!["volumes"]!.AsArray().Single()!;
        var name = (string)volume["name"]!;
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        var sources = volume["projected"]!["sources"]!.AsArray();
        Assert.Equal(3607, (long)sources[0]!["serviceAccountToken"]!["expirationSeconds"]!);
        Assert.Equal("token", (string?)sources[0]!["serviceAccountToken"]!["path"]);
        Assert.Equal("kube-root-ca.crt", (string?)sources[1]!["configMap"]!["name"]);
        Assert.Equal("metadata.namespace", (string?)sources[2]!["downwardAPI"]!["items"]![0]!["fieldRef"]!["fieldPath"]);
        foreach (var container in new[] { pod["spec"]!["containers"]![0]!, pod["spec"]!["initContainers"]![0]! })
        {
            var mount = container["volumeMounts"]!.AsArray().Single()!;
            Assert.Equal(name, (string?)mount["name"]);
            Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount", (string?)mount["mountPath"]);
            Assert.True((bool)mount["readOnly"]!);
        }
    }

    [Fact]
    public async Task PodAdmission_AutomountFalse_AndMissingAccount()
    {
        var off = await CreateAsync("/api/v1/namespaces/default/pods",
            """{"metadata":{"name":"p3"},"spec":{"automountServiceAccountToken":false,"containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Null(off["spec"]!["volumes"]);

        await CreateAsync("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"quiet"},"automountServiceAccountToken":false}""");
        var quiet = await CreateAsync("/api/v1/namespaces/default/pods",
            """{"metadata":{"name":"p4"},"spec":{"serviceAccountName":"quiet","containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Null(quiet["spec"]!["volumes"]);

        var missing = await CreateAsync("/api/v1/namespaces/default/pods",
            """{"metadata":{"name":"p5"},"spec":{"serviceAccountName":"ghost","containers":[{"name":"c","image":"busybox"}]}}""", HttpStatusCode.Forbidden);
        Assert.Equal("pods \"p5\" is forbidden: error looking up service account default/ghost: serviceaccount \"ghost\" not found", (string?)missing["message"]);
    }

    [Fact]
    public async Task Discovery_ListsTheTokenSubresourceAndTokenReviews()
    {
        var core = JsonNode.Parse(await _server.Client.GetStringAsync("/api/v1"))!["resources"]!.AsArray();
        var token = core.Single(r => (string?)r!["name"] == "serviceaccounts/token")!;
        Assert.Equal("TokenRequest", (string?)token["kind"]);
        Assert.Contains("create", token["verbs"]!.AsArray().Select(v => (string?)v));
        var authn = JsonNode.Parse(await _server.Client.GetStringAsync("/apis/authentication.k8s.io/v1"))!["resources"]!.AsArray();
        Assert.Contains(authn, r => (string?)r!["name"] == "tokenreviews" && (string?)r["kind"] == "TokenReview");
    }

    private async Task WaitGoneAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await _server.Client.GetAsync(path)).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} still exists");
            await Task.Delay(50);
        }
    }
}
