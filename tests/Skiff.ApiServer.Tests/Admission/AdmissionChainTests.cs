using System.Collections.Concurrent;
using System.Net;
using k8s.Models;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission;

public sealed class AdmissionChainTests
{
    [Fact]
    public void Chain_OrdersPluginsAsKubeApiserver_ResourceQuotaLast()
    {
        var chain = new AdmissionChain([new Recording("ResourceQuota"), new Recording("LimitRanger"), new Recording("DefaultStorageClass")]);
        Assert.Equal(["LimitRanger", "DefaultStorageClass", "ResourceQuota", "LimitRanger", "DefaultStorageClass", "ResourceQuota"], chain.Names);
    }

    [Fact]
    public void Chain_RejectsPluginWithoutAPlace()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new AdmissionChain([new Recording("Unheard")]));
        Assert.Contains("Unheard", e.Message);
    }

    [Fact]
    public async Task Plugins_SeeCreateUpdateDelete_MutateAndReject_ThroughTheHttpPipeline()
    {
        var plugin = new Recording("LimitRanger");
        await using var server = await TestServer.StartAsync(o => o.AdmissionPlugins.Add(plugin));

        var created = await server.Client.PostAsync("/api/v1/namespaces/default/configmaps", TestServer.Json("""{"metadata":{"name":"a"},"data":{"k":"v"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains("\"admitted\":\"yes\"", await created.Content.ReadAsStringAsync());

        var denied = await server.Client.PostAsync("/api/v1/namespaces/default/configmaps", TestServer.Json("""{"metadata":{"name":"deny"}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var body = await denied.Content.ReadAsStringAsync();
        Assert.Contains("configmaps \\\"deny\\\" is forbidden: denied by test", body);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/v1/namespaces/default/configmaps/deny")).StatusCode);

        var put = await server.Client.PutAsync("/api/v1/namespaces/default/configmaps/a", TestServer.Json("""{"metadata":{"name":"a"},"data":{"k":"w"}}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var deleted = await server.Client.DeleteAsync("/api/v1/namespaces/default/configmaps/a");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        var seen = plugin.Seen.Where(s => s.Name is "a" or "deny").ToList();
        Assert.Contains(seen, s => s.Operation == AdmissionOperation.Create && s.Name == "a" && s.Phase == "mutate" && s.User == "system:admin");
        Assert.Contains(seen, s => s.Operation == AdmissionOperation.Update && s.HadOld && s.Phase == "validate");
        Assert.Contains(seen, s => s.Operation == AdmissionOperation.Delete && s.HadOld && s.Phase == "validate");
        // Deletes go through both phases, mutating first (kube-apiserver's AdmissionToValidateObjectDeleteFunc).
        Assert.Equal(["mutate", "validate"], seen.Where(s => s.Operation == AdmissionOperation.Delete).Select(s => s.Phase));
        Assert.All(seen.Where(s => s.Operation == AdmissionOperation.Delete), s => Assert.True(s.HadOld));
    }

    private sealed record Seen(string Phase, AdmissionOperation Operation, string Name, bool HadOld, string? User);

    private sealed class Recording(string name) : IMutatingAdmissionPlugin, IValidatingAdmissionPlugin
    {
        public ConcurrentQueue<Seen> Seen { get; } = new();

        public string Name => name;

        public bool Handles(AdmissionAttributes attributes) => attributes.Resource.Plural == "configmaps";

        public ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
        {
            Seen.Enqueue(new("mutate", attributes.Operation, attributes.Name, attributes.OldObject is not null, attributes.User?.Name));
            if (attributes.Object is V1ConfigMap cm)
            {
                (cm.Metadata.Labels ??= new Dictionary<string, string>())["admitted"] = "yes";
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask ValidateAsync(AdmissionAttributes attributes, CancellationToken ct)
        {
            Seen.Enqueue(new("validate", attributes.Operation, attributes.Name, attributes.OldObject is not null, attributes.User?.Name));
            if (attributes.Name == "deny")
            {
                throw ApiException.Forbidden(attributes.Resource, attributes.Name, "denied by test");
            }

            return ValueTask.CompletedTask;
        }
    }
}
