using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission;

public sealed class StorageAdmissionTests
{
    private const string Claims = "/api/v1/namespaces/default/persistentvolumeclaims";
    private const string Classes = "/apis/storage.k8s.io/v1/storageclasses";

    private static string Claim(string name, string? storageClass)
    {
        var cls = storageClass is null ? "" : $",\"storageClassName\":\"{storageClass}\"";
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}" + cls + "}}";
    }

    private static async Task<JsonNode> CreateAsync(TestServer server, string path, string body)
    {
        var response = await server.Client.PostAsync(path, TestServer.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Bootstrap_CreatesTheDefaultLocalPathClass()
    {
        await using var server = await TestServer.StartAsync();
        var sc = JsonNode.Parse(await server.Client.GetStringAsync($"{Classes}/local-path"))!;
        Assert.Equal("skiff.io/local-path", (string?)sc["provisioner"]);
        Assert.Equal("WaitForFirstConsumer", (string?)sc["volumeBindingMode"]);
        Assert.Equal("Delete", (string?)sc["reclaimPolicy"]);
        Assert.Equal("true", (string?)sc["metadata"]!["annotations"]!["storageclass.kubernetes.io/is-default-class"]);
    }

    [Fact]
    public async Task DefaultStorageClass_ClaimWithoutClassGetsTheDefault_EmptyAndNamedClassesAreKept()
    {
        await using var server = await TestServer.StartAsync();

        var unset = await CreateAsync(server, Claims, Claim("unset", null));
        var empty = await CreateAsync(server, Claims, Claim("empty", ""));
        var named = await CreateAsync(server, Claims, Claim("named", "fast"));

        Assert.Equal("local-path", (string?)unset["spec"]!["storageClassName"]);
        Assert.Equal("", (string?)empty["spec"]!["storageClassName"]);
        Assert.Equal("fast", (string?)named["spec"]!["storageClassName"]);
    }

    [Fact]
    public async Task DefaultStorageClass_NoDefault_ClaimKeepsNoClass()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.DeleteAsync($"{Classes}/local-path")).StatusCode);

        var unset = await CreateAsync(server, Claims, Claim("unset", null));

        Assert.Null(unset["spec"]!["storageClassName"]);
    }

    [Fact]
    public void DefaultStorageClass_SeveralDefaults_TheNewestWinsThenByName()
    {
        static V1StorageClass Sc(string name, int minute, bool isDefault) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                CreationTimestamp = new DateTime(2026, 1, 1, 0, minute, 0, DateTimeKind.Utc),
                Annotations = new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = isDefault ? "true" : "false" },
            },
        };

        Assert.Equal("newer", DefaultStorageClass.Pick([Sc("older", 1, true), Sc("newer", 5, true), Sc("newest-not-default", 9, false)])?.Metadata.Name);
        Assert.Equal("a", DefaultStorageClass.Pick([Sc("b", 5, true), Sc("a", 5, true)])?.Metadata.Name);
        Assert.Null(DefaultStorageClass.Pick([Sc("x", 1, false)]));
    }

    [Fact]
    public async Task StorageObjectInUseProtection_AddsFinalizers_DeletedClaimStaysTerminating()
    {
        await using var server = await TestServer.StartAsync();

        var claim = await CreateAsync(server, Claims, Claim("data", ""));
        var volume = await CreateAsync(server, "/api/v1/persistentvolumes",
            """{"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp/pv1"}}}""");

        Assert.Equal(["kubernetes.io/pvc-protection"], claim["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        Assert.Equal(["kubernetes.io/pv-protection"], volume["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));

        // Without the protection controller (no controller manager here), the claim stays, marked for deletion.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.DeleteAsync($"{Claims}/data")).StatusCode);
        var after = JsonNode.Parse(await server.Client.GetStringAsync($"{Claims}/data"))!;
        Assert.NotNull(after["metadata"]!["deletionTimestamp"]);
    }
}
